// The README's configuration examples load as written, and its Google Workspace connector is the one
// the demo's stand-in Google proves: the YAML blocks are read out of README.md itself, so an edit
// that breaks one fails here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { demoConfig } from '../../../src/dev/demo-config.ts';
import { testKeys, type Keys } from '../../support/saml/test-idp.ts';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

let k: Keys;
beforeAll(async () => {
  k = await testKeys();
});

/** The README's "Then the connector:" block for Google Workspace. */
function googleConnector(): Record<string, unknown> {
  const at = readme.indexOf('## Register Hatrack in Google Workspace (SAML)');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  return (parse(block) as { connectors: Array<Record<string, unknown>> }).connectors[0]!;
}

describe('README examples', () => {
  it('the main configuration example loads (secrets from the environment)', () => {
    const main = parse(yamlBlocks[0]!) as { connectors: Array<Record<string, unknown>> };
    // The directory's CA file is the reader's own; any certificate stands in for it here.
    const ldap = main.connectors.find((c) => c.type === 'ldap')!;
    expect(ldap.ca).toBe('certs/corp-ldap-ca.pem');
    ldap.ca = k.idp.certPem;
    const loaded = validateConfig(main, 'README.md', { SESSION_SECRET: 'session-secret-of-at-least-32-bytes', OKTA_CLIENT_SECRET: 'o', LDAP_BIND_PASSWORD: 'l' });
    expect(loaded.config.connectors.map((c) => c.id)).toEqual(['okta', 'corp']);
  });

  it('the Google Workspace connector loads, and takes what the demo\'s stand-in Google sends', () => {
    const google = { ...googleConnector(), idpCerts: [k.idp.certPem] };
    const loaded = validateConfig({ publicUrl: 'https://hatrack.example.com', trustProxy: 1, connectors: [google] }, 'README.md', {});
    const c = loaded.config.connectors[0]!;
    expect(c).toMatchObject({ type: 'saml', allowIdpInitiated: true, emailsVerified: true, requireSignatureOn: 'either' });
    // The demo runs the same settings against its stand-in, which signs as Google's "Signed response" does.
    const demo = demoConfig({ broker: 3000, oidc: 3001, aws: 3002 }, { clientSecret: 'c', sessionSecret: 'session-secret-of-at-least-32-bytes' }, 'localhost', {
      entityId: 'http://127.0.0.1:3003/o/saml2?idpid=hatrack-demo', ssoUrl: 'http://127.0.0.1:3003/o/saml2/idp?idpid=hatrack-demo', certPem: k.idp.certPem,
    });
    const demoGoogle = validateConfig(demo, 'demo', {}).config.connectors.find((x) => x.id === 'google')!;
    for (const key of ['allowIdpInitiated', 'emailsVerified', 'requireSignatureOn', 'groupsAttribute', 'emailFrom'] as const) {
      expect(demoGoogle[key as keyof typeof demoGoogle], key).toEqual(c[key as keyof typeof c]);
    }
  });
});
