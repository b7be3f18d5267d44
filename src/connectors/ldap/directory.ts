// Signing a person in against an LDAP directory (Active Directory, OpenLDAP) with ldapts: bind as
// the service account, find exactly one entry for the username (escaped per RFC 4515, L1), bind
// as that entry with the password, and read the person's groups from `memberOf` or a group
// search. The password is sent to the directory and nowhere else: never logged, stored or echoed
// (L2). TLS is ldaps:// or StartTLS with the configured CA, and a StartTLS that fails is an
// error, never a fall back to plain text (L3). Returns values or throws HatrackErrors; knows
// nothing of HTTP.
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { fail, HatrackError } from '../../errors.ts';
import { userFilter, escapeFilterValue } from './filter.ts';

export interface DirectorySettings {
  /** ldap://host:389 (with startTls) or ldaps://host:636. */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before anything is sent. */
  startTls: boolean;
  /** PEM certificates the server's certificate must chain to (pinned; the system's are not used). */
  caPem?: string;
  /** The service account that searches for people. */
  bindDn: string;
  bindPassword: string;
  /** Where people are. */
  userBase: string;
  /** `{username}` is replaced by the escaped username; e.g. `(&(objectClass=person)(uid={username}))`. */
  userFilter: string;
  /** The attributes of a person's entry that Hatrack reads. */
  attributes: { subject: string; email: string; name: string };
  /** Groups from the person's `memberOf` values, or from a search for groups that list the person. */
  groups: { from: 'memberOf' } | { from: 'search'; base: string; filter: string };
  /** Groups are named by this attribute of the group's DN (its first RDN), e.g. `cn`; or the whole DN. */
  groupName: 'rdn' | 'dn';
  timeoutMs: number;
}

/** Who the directory says signed in. */
export interface DirectoryPerson {
  dn: string;
  subject: string;
  email: string;
  name?: string;
  groups: string[];
}

const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;

/** One message for an unknown person and a wrong password: the form must not tell which. */
const wrongCredentials = () => fail.unauthenticated('ldap_invalid_credentials', 'The username or password is not right.');

function first(entry: Entry, attribute: string): string | undefined {
  const v = entry[attribute];
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' && one !== '' ? one : undefined;
}

function all(entry: Entry, attribute: string): string[] {
  const v = entry[attribute];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
}

/** The value of a DN's first RDN (`cn=power-users,ou=groups,…` → `power-users`), unescaped per RFC 4514. */
export function firstRdnValue(dn: string): string {
  let value = '';
  let i = dn.indexOf('=') + 1;
  for (; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\' && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        value += String.fromCharCode(parseInt(hex, 16));
        i += 2;
      } else {
        value += dn[++i];
      }
      continue;
    }
    value += ch;
  }
  // Hex escapes spell UTF-8 bytes.
  return Buffer.from(value, 'latin1').toString('utf8');
}

async function connected<T>(settings: DirectorySettings, work: (client: Client) => Promise<T>): Promise<T> {
  const tlsOptions = settings.caPem ? { ca: settings.caPem } : {};
  // TLS options on an ldap:// client would make ldapts speak TLS at once; StartTLS gets them instead.
  const client = new Client({
    url: settings.url, timeout: settings.timeoutMs, connectTimeout: settings.timeoutMs, strictDN: true,
    ...(settings.url.startsWith('ldaps:') && { tlsOptions }),
  });
  try {
    if (settings.startTls) await client.startTLS(tlsOptions);
    return await work(client);
  } catch (e) {
    if (e instanceof HatrackError) throw e;
    if (e instanceof InvalidCredentialsError) throw wrongCredentials();
    throw fail.unavailable('ldap_unavailable', 'The directory could not be reached. Try again in a minute.', (e as Error).name, e);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * `check-config --online`: the directory answers over TLS with the pinned CA, the service account
 * binds, and `userBase` exists. Resolves with the first setting that is wrong and why, or undefined.
 */
export async function probeDirectory(settings: DirectorySettings): Promise<{ setting: string; message: string } | undefined> {
  try {
    return await connected(settings, async (client) => {
      try {
        await client.bind(settings.bindDn, settings.bindPassword);
      } catch (e) {
        if (e instanceof InvalidCredentialsError) return { setting: 'bindPassword', message: 'the directory refuses the service account: check bindDn and bindPassword' };
        throw e;
      }
      try {
        await client.search(settings.userBase, { scope: 'base', filter: '(objectClass=*)', attributes: ['dn'], sizeLimit: 1 });
      } catch (e) {
        return { setting: 'userBase', message: `cannot be read as the service account (${(e as Error).name})` };
      }
      return undefined;
    });
  } catch (e) {
    return { setting: 'url', message: `the directory could not be reached over ${settings.url.startsWith('ldaps:') || settings.startTls ? 'TLS with the configured ca' : 'LDAP'}: ${(e as { cause?: Error }).cause?.message ?? (e as Error).message}` };
  }
}

export async function signInWithDirectory(settings: DirectorySettings, username: unknown, password: unknown): Promise<DirectoryPerson> {
  // Cheap refusals first. An empty password would be an unauthenticated bind (RFC 4513 §5.1.2),
  // which many servers answer with success.
  if (typeof username !== 'string' || username === '' || username.length > MAX_USERNAME) throw wrongCredentials();
  if (typeof password !== 'string' || password === '' || password.length > MAX_PASSWORD) throw wrongCredentials();

  return connected(settings, async (client) => {
    try {
      await client.bind(settings.bindDn, settings.bindPassword);
    } catch (e) {
      if (e instanceof InvalidCredentialsError) throw fail.unavailable('ldap_service_bind', 'Hatrack cannot search the directory right now.', 'the service account was refused');
      throw e;
    }
    const { subject, email, name } = settings.attributes;
    const wanted = [...new Set([subject, email, name, ...(settings.groups.from === 'memberOf' ? ['memberOf'] : [])])];
    const found = await client.search(settings.userBase, { scope: 'sub', filter: userFilter(settings.userFilter, username), attributes: wanted, sizeLimit: 2 });
    // Exactly one: no one, or two who answer to the name, is nobody.
    if (found.searchEntries.length !== 1) throw wrongCredentials();
    const entry = found.searchEntries[0]!;
    await client.bind(entry.dn, password);

    let groupDns: string[];
    if (settings.groups.from === 'memberOf') {
      groupDns = all(entry, 'memberOf');
    } else {
      // Read as the service account, which may see groups the person may not.
      await client.bind(settings.bindDn, settings.bindPassword);
      const filter = settings.groups.filter.split('{dn}').join(escapeFilterValue(entry.dn));
      groupDns = (await client.search(settings.groups.base, { scope: 'sub', filter, attributes: ['dn'] })).searchEntries.map((g) => g.dn);
    }
    const subjectValue = subject === 'dn' ? entry.dn : first(entry, subject);
    const emailValue = first(entry, email);
    if (!subjectValue || !emailValue) throw fail.unauthenticated('ldap_entry_incomplete', 'Your directory entry has no email address; ask an administrator.', `missing ${!subjectValue ? subject : email}`);
    const nameValue = first(entry, name);
    return {
      dn: entry.dn,
      subject: subjectValue,
      email: emailValue,
      ...(nameValue !== undefined && { name: nameValue }),
      groups: groupDns.map((dn) => (settings.groupName === 'dn' ? dn : firstRdnValue(dn))),
    };
  });
}
