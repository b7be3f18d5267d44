// Signing in against a real OpenLDAP (slapd started for this file): the service bind, the search,
// the person's bind and their groups, and every way it must refuse — SECURITY.md L1 (filter
// injection finds nobody), L2 (the password goes nowhere but the directory) and L3 (TLS with a
// pinned CA, never a silent downgrade).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithDirectory, type DirectorySettings } from '../../../src/connectors/ldap/directory.ts';
import { rejection as refusal } from '../../unit/device/support.ts';
import { LDAP_BASE, LDAP_PEOPLE, LDAP_SERVICE, startSlapd, type Slapd } from '../../support/slapd.ts';
import { freePort } from '../../support/redis.ts';

let slapd: Slapd;
beforeAll(async () => { slapd = await startSlapd({ tls: true }); }, 60_000);
afterAll(async () => { await slapd?.stop(); });

const settings = (over: Partial<DirectorySettings> = {}): DirectorySettings => ({
  url: slapd.url,
  startTls: false,
  bindDn: LDAP_SERVICE.dn,
  bindPassword: LDAP_SERVICE.password,
  userBase: `ou=people,${LDAP_BASE}`,
  userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
  attributes: { subject: 'uid', email: 'mail', name: 'cn' },
  groups: { from: 'memberOf' },
  groupName: 'rdn',
  timeoutMs: 3000,
  ...over,
});

const person = (uid: string) => LDAP_PEOPLE.find((p) => p.uid === uid)!;

describe('signing in against the directory', () => {
  it('alice: her entry, and her groups from memberOf', async () => {
    const alice = await signInWithDirectory(settings(), 'alice', person('alice').password);
    expect(alice).toEqual({ dn: `uid=alice,ou=people,${LDAP_BASE}`, subject: 'alice', email: 'alice@example.com', name: 'Alice Admin', groups: ['admins'] });
  });

  it('bob: groups from a group search as the service account, named by their DN when asked', async () => {
    const bob = await signInWithDirectory(settings({
      groups: { from: 'search', base: `ou=groups,${LDAP_BASE}`, filter: '(&(objectClass=groupOfNames)(member={dn}))' },
      groupName: 'dn',
    }), 'bob', person('bob').password);
    expect(bob.groups).toEqual([`cn=power-users,ou=groups,${LDAP_BASE}`]);
  });

  it('a wrong password and an unknown person get the same refusal', async () => {
    const wrong = await refusal(signInWithDirectory(settings(), 'alice', 'not-her-password'));
    const nobody = await refusal(signInWithDirectory(settings(), 'mallory', 'whatever'));
    expect([wrong.code, wrong.status]).toEqual(['ldap_invalid_credentials', 401]);
    expect([nobody.code, nobody.message]).toEqual([wrong.code, wrong.message]);
  });

  it('an empty password is refused before any bind (it would be an unauthenticated bind)', async () => {
    const e = await refusal(signInWithDirectory(settings({ url: 'ldap://127.0.0.1:9' }), 'alice', ''));
    expect(e.code).toBe('ldap_invalid_credentials');
  });

  it.each(['*', '*)(uid=*', 'alice)(|(uid=*', 'al*', '*lice', 'alice\u0000', '\\2a'])('L1 the username %j finds nobody, even with a real password', async (typed) => {
    const e = await refusal(signInWithDirectory(settings(), typed, person('alice').password));
    expect(e.code).toBe('ldap_invalid_credentials');
  });

  it('L1 a filter template that lets a name match two entries signs in no one', async () => {
    const e = await refusal(signInWithDirectory(settings({ userFilter: '(|(uid={username})(objectClass=inetOrgPerson))' }), 'alice', person('alice').password));
    expect(e.code).toBe('ldap_invalid_credentials');
  });

  it('L2 no refusal carries the password it was given', async () => {
    for (const s of [settings(), settings({ url: 'ldap://127.0.0.1:9' }), settings({ bindPassword: 'wrong' })]) {
      const e = await refusal(signInWithDirectory(s, 'alice', 'secret-typed-by-alice'));
      expect(JSON.stringify({ message: e.message, detail: e.detail, cause: String(e.cause) })).not.toContain('secret-typed-by-alice');
    }
  });

  it('a refused service account is the directory being unusable (503), not the person\'s fault', async () => {
    const e = await refusal(signInWithDirectory(settings({ bindPassword: 'wrong' }), 'alice', person('alice').password));
    expect([e.code, e.status]).toEqual(['ldap_service_bind', 503]);
  });

  it('a directory that does not answer is a 503 within the timeout', async () => {
    const started = Date.now();
    const e = await refusal(signInWithDirectory(settings({ url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 1000 }), 'alice', person('alice').password));
    expect([e.code, e.status]).toEqual(['ldap_unavailable', 503]);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('L3 TLS with a pinned CA', () => {
  it('ldaps:// with the configured CA signs alice in', async () => {
    const alice = await signInWithDirectory(settings({ url: slapd.ldapsUrl!, caPem: slapd.caPem! }), 'alice', person('alice').password);
    expect(alice.subject).toBe('alice');
  });

  it('StartTLS with the configured CA signs alice in', async () => {
    const alice = await signInWithDirectory(settings({ startTls: true, caPem: slapd.caPem! }), 'alice', person('alice').password);
    expect(alice.subject).toBe('alice');
  });

  it('a certificate that does not chain to the configured CA is refused, for ldaps:// and StartTLS alike', async () => {
    const otherCa = slapd.caPem!.replace(/[A-Za-z0-9+/]{20}(?=\n)/, (s) => s.split('').reverse().join(''));
    for (const s of [settings({ url: slapd.ldapsUrl! }), settings({ startTls: true }), settings({ url: slapd.ldapsUrl!, caPem: otherCa })]) {
      const e = await refusal(signInWithDirectory(s, 'alice', person('alice').password));
      expect(e.code).toBe('ldap_unavailable');
    }
  });
});
