// Shared by the mapping tests: a rule set from `roles` rules as they would be written in
// hatrack.yaml (through the real config loader), and people to map.
import { ConfigError, validateConfig } from '../../../src/config/load.ts';
import type { RuleSet } from '../../../src/mapping/rules.ts';
import { normaliseIdentity, type Identity } from '../../../src/identity.ts';

export const PROD = '111111111111';
export const DEV = '222222222222';
export const SANDBOX = '333333333333';

export function configWith(roles: unknown[], extra: Record<string, unknown> = {}) {
  return {
    publicUrl: 'https://hatrack.example.com',
    trustProxy: 1,
    connectors: [
      { id: 'okta', type: 'oidc', issuer: 'https://corp.okta.com', clientId: 'hatrack' },
      { id: 'entra', type: 'oidc', issuer: 'https://login.microsoftonline.com/x/v2.0', clientId: 'hatrack', groupsCaseInsensitive: true },
    ],
    accounts: { prod: PROD, dev: DEV, sandbox: { id: SANDBOX, samlProvider: 'hatrack-sbx' } },
    roles,
    ...extra,
  };
}

export function rulesOf(roles: unknown[], extra: Record<string, unknown> = {}): RuleSet {
  return validateConfig(configWith(roles, extra), 'test.yaml', {}).rules;
}

/** Problems (as `path: message`) of a config with these rules, [] when it loads. */
export function problemsOf(roles: unknown[], extra: Record<string, unknown> = {}): string[] {
  try {
    validateConfig(configWith(roles, extra), 'test.yaml', {});
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

export function warningsOf(roles: unknown[], extra: Record<string, unknown> = {}): string[] {
  return validateConfig(configWith(roles, extra), 'test.yaml', {}).warnings.map((p) => `${p.path}: ${p.message}`);
}

/** A person as a connector hands them to the mapping: through normaliseIdentity (NFC only). */
export function person(email: string, groups: string[], more: Partial<Identity> = {}): Identity {
  return normaliseIdentity({ connector: 'okta', subject: `sub-${email}`, email, emailVerified: true, name: email.split('@')[0], groups, mfa: false, claims: {}, ...more });
}
