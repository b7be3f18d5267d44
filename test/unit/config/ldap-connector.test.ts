// SECURITY.md L3 in the configuration: a directory connector sends passwords over TLS with a
// pinned CA, or over plain LDAP only when the configuration says it is a development setup.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { isHatrackError } from '../../../src/errors.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nnot read here\n-----END CERTIFICATE-----';

function problemsOf(ldap: Record<string, unknown>): string[] {
  try {
    validateConfig({
      publicUrl: 'http://localhost:3000',
      connectors: [{ id: 'corp', type: 'ldap', bindDn: 'cn=svc,dc=x', bindPassword: 'p', userBase: 'ou=people,dc=x', ...ldap }],
    }, 'test', {});
    return [];
  } catch (e) {
    if (!isHatrackError(e)) throw e;
    return e.message.split('\n').filter((l) => l.includes('connectors[0]'));
  }
}

describe('an ldap connector in the configuration', () => {
  it('L3 plain ldap:// without StartTLS is refused unless allowInsecure says it is development', () => {
    expect(problemsOf({ url: 'ldap://ldap.corp.example:389' }).join('\n')).toMatch(/connectors\[0\]\.url: sends passwords in clear text/);
    expect(problemsOf({ url: 'ldap://127.0.0.1:3890', allowInsecure: true })).toEqual([]);
  });

  it('L3 TLS (ldaps:// or StartTLS) needs the directory\'s CA, which is pinned', () => {
    expect(problemsOf({ url: 'ldaps://ldap.corp.example:636' }).join('\n')).toMatch(/connectors\[0\]\.ca: is required with TLS/);
    expect(problemsOf({ url: 'ldap://ldap.corp.example:389', startTls: true }).join('\n')).toMatch(/connectors\[0\]\.ca: is required with TLS/);
    expect(problemsOf({ url: 'ldaps://ldap.corp.example:636', startTls: true, ca: PEM }).join('\n')).toMatch(/connectors\[0\]\.startTls: does not apply to ldaps/);
  });

  it('a user filter must have a place for the username, a group search one for the person\'s DN', () => {
    expect(problemsOf({ url: 'ldap://127.0.0.1:3890', allowInsecure: true, userFilter: '(uid=alice)' }).join('\n')).toMatch(/userFilter: must contain \{username\}/);
    expect(problemsOf({ url: 'ldap://127.0.0.1:3890', allowInsecure: true, groups: { base: 'ou=groups,dc=x', filter: '(member=x)' } }).join('\n')).toMatch(/groups.*must contain \{dn\}/);
  });

  it('refuses a URL with a path, and any other scheme', () => {
    for (const url of ['ldaps://ldap.corp.example:636/dc=x', 'https://ldap.corp.example', 'ldap:///']) {
      expect(problemsOf({ url, ca: PEM }).join('\n'), url).toMatch(/connectors\[0\]\.url: must be an ldap:\/\/ or ldaps:\/\/ URL/);
    }
  });
});
