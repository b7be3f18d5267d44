// A private OpenLDAP server for a test file (TOOLCHAIN.md "OpenLDAP for tests"): slapd from a
// generated slapd.conf on a free port, with an mdb database in a temp directory, the memberof
// overlay, and the people of the IAM story — alice (admins), bob and carla (power-users) — plus a
// service account Hatrack binds as to search. Anonymous binds read nothing, as in a real
// directory. With `tls`, it also answers ldaps:// on a second port and StartTLS on the first,
// with a certificate of a CA made for the run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis.ts';

const run = promisify(execFile);

export const LDAP_BASE = 'dc=example,dc=com';
export const LDAP_SERVICE = { dn: `cn=hatrack,ou=services,${LDAP_BASE}`, password: 'service-password-0123' };

export interface LdapPerson { uid: string; name: string; mail: string; password: string; groups: string[] }

export const LDAP_PEOPLE: readonly LdapPerson[] = [
  { uid: 'alice', name: 'Alice Admin', mail: 'alice@example.com', password: 'alice-password-1', groups: ['admins'] },
  { uid: 'bob', name: 'Bob Builder', mail: 'bob@example.com', password: 'bob-password-2', groups: ['power-users'] },
  { uid: 'carla', name: 'Carla Coder', mail: 'carla@example.com', password: 'carla-password-3', groups: ['power-users'] },
];

export interface Slapd {
  /** ldap://127.0.0.1:PORT (StartTLS too, with `tls`). */
  url: string;
  /** ldaps://127.0.0.1:PORT, with `tls`. */
  ldapsUrl?: string;
  /** The CA certificate (PEM) that signed the server's, with `tls`. */
  caPem?: string;
  stop(): Promise<void>;
}

function makeCa(dir: string): { ca: string; cert: string; key: string } {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '1', '-subj', '/CN=Hatrack test LDAP CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext]);
  return { ca, cert, key };
}

function ldif(): string {
  const entries = [
    `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=people,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ou=services,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: services`,
    `dn: ${LDAP_SERVICE.dn}\nobjectClass: person\ncn: hatrack\nsn: service\nuserPassword: ${LDAP_SERVICE.password}`,
    ...LDAP_PEOPLE.map((p) => `dn: uid=${p.uid},ou=people,${LDAP_BASE}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.name}\nsn: ${p.name.split(' ')[1]}\nmail: ${p.mail}\nuserPassword: ${p.password}`),
    ...[...new Set(LDAP_PEOPLE.flatMap((p) => p.groups))].map((g) => `dn: cn=${g},ou=groups,${LDAP_BASE}\nobjectClass: groupOfNames\ncn: ${g}\n${
      LDAP_PEOPLE.filter((p) => p.groups.includes(g)).map((p) => `member: uid=${p.uid},ou=people,${LDAP_BASE}`).join('\n')}`),
  ];
  return `${entries.join('\n\n')}\n`;
}

export async function startSlapd(options: { tls?: boolean } = {}): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-slapd-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const ldapsPort = options.tls ? await freePort() : undefined;
  const tls = options.tls ? makeCa(dir) : undefined;
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    `pidfile ${join(dir, 'slapd.pid')}`,
    ...(tls ? [`TLSCACertificateFile ${tls.ca}`, `TLSCertificateFile ${tls.cert}`, `TLSCertificateKeyFile ${tls.key}`] : []),
    'database mdb',
    `suffix "${LDAP_BASE}"`,
    `rootdn "cn=admin,${LDAP_BASE}"`,
    'rootpw admin-password',
    `directory ${join(dir, 'data')}`,
    'overlay memberof',
    // Passwords are for binding only; the directory is read by signed-in accounts only.
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by users read by * none',
    '',
  ].join('\n'));
  const urls = [`ldap://127.0.0.1:${port}/`, ...(ldapsPort ? [`ldaps://127.0.0.1:${ldapsPort}/`] : [])];
  await run('/usr/sbin/slapd', ['-f', conf, '-h', urls.join(' ')]);
  const url = `ldap://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await run('ldapwhoami', ['-x', '-H', url, '-D', `cn=admin,${LDAP_BASE}`, '-w', 'admin-password']);
      break;
    } catch (e) {
      if (i > 100) throw new Error(`slapd did not answer on ${url}`, { cause: e });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  writeFileSync(join(dir, 'people.ldif'), ldif());
  await run('ldapadd', ['-x', '-H', url, '-D', `cn=admin,${LDAP_BASE}`, '-w', 'admin-password', '-f', join(dir, 'people.ldif')]);
  return {
    url,
    ...(ldapsPort && { ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}` }),
    ...(tls && { caPem: readFileSync(tls.ca, 'utf8') }),
    async stop() {
      const pidFile = join(dir, 'slapd.pid');
      if (existsSync(pidFile)) {
        try { process.kill(Number(readFileSync(pidFile, 'utf8').trim())); } catch { /* already gone */ }
        for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
