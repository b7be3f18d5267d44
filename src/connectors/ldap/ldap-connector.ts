// The LDAP connector: a person types a username and password into Hatrack's own form, and the
// directory (directory.ts) says who they are and which groups they are in. Returns the Identity
// every connector returns (normalised once, C3); a directory never proves a second factor, so
// `mfa` is false and `requireMfa` rules never grant to these identities.
import type { Clock } from '../../clock.ts';
import { fail } from '../../errors.ts';
import { normaliseIdentity, type Identity } from '../../identity.ts';
import { emailDomain, inAllowedDomains } from '../domains.ts';
import { probeDirectory, signInWithDirectory, type DirectorySettings } from './directory.ts';

export interface LdapConnectorOptions extends DirectorySettings {
  id: string;
  displayName: string;
  /** The directory vouches for every address it holds, so rules' `email` may match them. */
  emailsVerified: boolean;
  allowedDomains?: readonly string[];
}

/** A connector whose people sign in with a password on Hatrack's own form. */
export interface PasswordConnector {
  readonly id: string;
  readonly type: 'ldap';
  readonly displayName: string;
  /** Who signed in, or a HatrackError: 401 for wrong credentials (one message for every cause), 503 when the directory is unusable. */
  signIn(username: unknown, password: unknown): Promise<Identity>;
  /** `check-config --online`: the setting that keeps the directory from being used, or undefined. */
  probe(): Promise<{ setting: string; message: string } | undefined>;
}

export function createLdapConnector(options: LdapConnectorOptions, deps: { clock: Clock }): PasswordConnector {
  return {
    id: options.id,
    type: 'ldap',
    displayName: options.displayName,
    probe: () => probeDirectory(options),
    async signIn(username, password) {
      const person = await signInWithDirectory(options, username, password);
      const identity = normaliseIdentity({
        connector: options.id,
        subject: person.subject,
        email: person.email,
        emailVerified: options.emailsVerified,
        ...(person.name !== undefined && { name: person.name }),
        groups: person.groups,
        mfa: false,
        authTime: deps.clock.now(),
        claims: { dn: person.dn },
      });
      if (!inAllowedDomains(identity.email, options.allowedDomains)) {
        throw fail.forbidden('ldap_domain_not_allowed', 'Your email domain may not sign in here.', `domain ${JSON.stringify(emailDomain(identity.email).slice(0, 253))}`);
      }
      return identity;
    },
  };
}
