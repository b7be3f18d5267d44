// The generic connector's own part: a strategy's profile becomes an Identity by configured paths,
// with what every connector's identity gets (NFC, C3; the address vouched for only when
// configured, C5; allowed domains) and `mfa` false unless the source is said to prove it, so a
// `requireMfa` rule never grants to a strategy that was not configured so. And the configuration
// names an installed strategy module that must load and hold a Strategy class.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { validateConfig } from '../../../src/config/load.ts';
import { createPassportConnector, type PassportConnectorOptions } from '../../../src/connectors/passport/passport-connector.ts';
import { groupsFromProfileValue, readProfilePath } from '../../../src/connectors/passport/profile.ts';
import { loadStrategyClass } from '../../../src/connectors/passport/strategy-module.ts';
import { HatrackError, isHatrackError } from '../../../src/errors.ts';

class FakeStrategy {
  authenticate(): void {}
}

function connector(o: Partial<PassportConnectorOptions> = {}) {
  return createPassportConnector({
    id: 'gh', displayName: 'GitHub', Strategy: FakeStrategy as never, strategyOptions: { clientID: 'x' }, callbackUrlOption: 'callbackURL',
    profile: { subject: 'id', email: 'emails.0.value', name: 'displayName', groups: '_json.teams' },
    emailsVerified: false, provesMfa: false, ...o,
  }, { clock: new FixedClock(new Date('2026-12-01T00:00:00Z')) });
}

const profile = { id: 4242, displayName: 'Ame\u0301lie', emails: [{ value: 'amelie@corp.example' }], _json: { teams: ['admins', { value: 'ops' }, 7] } };

describe('a passport profile as an Identity', () => {
  it('reads the configured paths, array positions included; groups keep strings and `value`s', () => {
    expect(readProfilePath(profile, 'emails.0.value')).toBe('amelie@corp.example');
    expect(readProfilePath(profile, 'emails.1.value')).toBeUndefined();
    expect(readProfilePath({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(readProfilePath({ a: { b: 2 } }, 'a.constructor')).toBeUndefined();
    expect(groupsFromProfileValue(profile._json.teams)).toEqual(['admins', 'ops']);
  });

  it('C3 C5: NFC values, an unvouched address, mfa false by default', () => {
    const identity = connector().identityFromProfile(profile);
    expect(identity).toMatchObject({ connector: 'gh', subject: '4242', email: 'amelie@corp.example', name: 'Amélie', groups: ['admins', 'ops'], emailVerified: false, mfa: false });
  });

  it('MFA and a vouched address only when the configuration says so', () => {
    expect(connector({ provesMfa: true, emailsVerified: true }).identityFromProfile(profile)).toMatchObject({ mfa: true, emailVerified: true });
  });

  it('a profile without a subject or a usable email names nobody', () => {
    for (const bad of [{ ...profile, id: '' }, { ...profile, id: ' ' }, { ...profile, emails: [] }, { ...profile, emails: [{ value: 'not an address' }] }, null, 'x']) {
      expect(() => connector().identityFromProfile(bad)).toThrow(HatrackError);
    }
  });

  it('allowedDomains refuses other domains', () => {
    const e = (() => { try { connector({ allowedDomains: ['other.example'] }).identityFromProfile(profile); } catch (x) { return x; } })();
    expect(isHatrackError(e) && e.code).toBe('passport_domain_not_allowed');
  });

  it('the callback URL goes where the strategy reads it; the profile is the argument before done unless configured', () => {
    expect(connector({ callbackUrlOption: 'redirectUrl' }).strategyOptions('https://h/auth/gh/callback')).toEqual({ clientID: 'x', redirectUrl: 'https://h/auth/gh/callback' });
    expect(connector().profileOf(['token', 'refresh', profile])).toBe(profile);
    expect(connector({ profileArgument: 1 }).profileOf(['iss', profile, {}])).toBe(profile);
  });
});

describe('the strategy module', () => {
  it('loads an installed package\'s Strategy export', async () => {
    const Strategy = await loadStrategyClass('corp', 'passport-openidconnect', 'Strategy', process.cwd());
    expect(typeof Strategy.prototype.constructor).toBe('function');
  });

  it('loads a file relative to the configuration, default export included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-strategy-'));
    writeFileSync(join(dir, 'mine.mjs'), 'export default class Mine { authenticate() {} }\n');
    expect((await loadStrategyClass('corp', './mine.mjs', 'default', dir)).name).toBe('Mine');
  });

  it('names the connector and the module when it is missing or holds no Strategy', async () => {
    await expect(loadStrategyClass('corp', 'passport-does-not-exist', 'Strategy', process.cwd())).rejects.toThrow(HatrackError);
    const e = await loadStrategyClass('corp', 'passport-openidconnect', 'Nope', process.cwd()).catch((x: unknown) => x);
    expect(isHatrackError(e) && e.detail).toMatch(/connector corp: module "passport-openidconnect" has no passport Strategy class as export "Nope"/);
  });
});

describe('a passport connector in the configuration', () => {
  it('defaults the export, callback option and profile paths; secrets come from env:', () => {
    const { config } = validateConfig({
      publicUrl: 'http://localhost:3000',
      connectors: [{ id: 'gh', type: 'passport', module: 'passport-github2', options: { clientID: 'x', clientSecret: 'env:GH_SECRET' } }],
    }, 'test', { GH_SECRET: 's3cret' });
    expect(config.connectors[0]).toMatchObject({
      export: 'Strategy', callbackUrlOption: 'callbackURL', provesMfa: false, emailsVerified: false,
      options: { clientID: 'x', clientSecret: 's3cret' }, profile: { subject: 'id', email: 'emails.0.value', name: 'displayName' },
    });
  });

  it('refuses a malformed profile path and unknown keys', () => {
    const problems = (c: Record<string, unknown>) => {
      try {
        validateConfig({ publicUrl: 'http://localhost:3000', connectors: [{ id: 'gh', type: 'passport', module: 'm', ...c }] }, 'test', {});
        return '';
      } catch (e) {
        return isHatrackError(e) ? e.message : String(e);
      }
    };
    expect(problems({ profile: { email: 'emails..value' } })).toMatch(/profile\.email: must be a dotted path/);
    expect(problems({ provesMFA: true })).toMatch(/provesMFA/);
  });
});
