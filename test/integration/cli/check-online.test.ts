// `hatrack check-config --online`: what only the network can tell, each failure naming the
// setting to fix — a provider that refuses the client secret, one that is not there, a directory
// that refuses the service account, a SAML sign-in URL that does not answer, STS that does not
// answer — and nothing for what works: the real oidc-provider with the right secret, the real
// slapd with the right service account, the AWS stand-in's STS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.ts';
import { createAwsStandin, type AwsStandin } from '../../../src/dev/aws-standin/index.ts';
import { demoPeople } from '../../../src/dev/demo-people.ts';
import { startDevOidcProvider, type DevOidcProvider } from '../../../src/dev/oidc-provider.ts';
import { checkOnline } from '../../../src/online/check-online.ts';
import { LDAP_BASE, LDAP_SERVICE, startSlapd, type Slapd } from '../../support/slapd.ts';

let oidc: DevOidcProvider;
let slapd: Slapd;
let standin: AwsStandin;
let stsUrl: string;
const publicUrl = 'http://localhost:3999';

beforeAll(async () => {
  [oidc, slapd] = await Promise.all([
    startDevOidcProvider({ clients: [{ client_id: 'c', client_secret: 'right-secret-0123456789', redirect_uris: [`${publicUrl}/oidc/good/callback`, `${publicUrl}/oidc/wrong/callback`] }], people: demoPeople() }),
    startSlapd(),
  ]);
  standin = createAwsStandin();
  stsUrl = (await standin.listen()).url;
}, 60_000);
afterAll(async () => {
  await oidc?.close();
  await slapd?.stop();
  await standin?.close();
});

function config(connectors: unknown[], aws: Record<string, unknown> = {}) {
  return validateConfig({ publicUrl, connectors, aws: { stsEndpoint: `${stsUrl}/`, ...aws } }, 'test', {});
}

const oidcConnector = (id: string, issuer: string, clientSecret: string) => ({ id, type: 'oidc', issuer, clientId: 'c', clientSecret, allowInsecureHttp: true });
const ldapConnector = (id: string, bindPassword: string) => ({
  id, type: 'ldap', url: slapd.url, allowInsecure: true, bindDn: LDAP_SERVICE.dn, bindPassword, userBase: `ou=people,${LDAP_BASE}`,
});

describe('check-config --online', () => {
  it('finds nothing wrong with providers, directories and STS that work as configured', async () => {
    expect(await checkOnline(config([oidcConnector('good', oidc.issuer, 'right-secret-0123456789'), ldapConnector('corp', LDAP_SERVICE.password)]))).toEqual([]);
  });

  it('names the setting to fix for each failure, in one line each', async () => {
    const problems = await checkOnline(config([
      oidcConnector('wrong', oidc.issuer, 'wrong-secret'),
      oidcConnector('gone', 'http://127.0.0.1:9', 's'),
      ldapConnector('corp', 'wrong-password'),
      { id: 'google', type: 'saml', idpEntityId: 'https://idp.example', idpSsoUrl: 'http://127.0.0.1:9/sso', idpCerts: [await idpCert()], allowInsecureHttp: true },
    ], { stsEndpoint: 'http://127.0.0.1:9/' }));
    expect(problems.map((p) => p.path).sort()).toEqual([
      'aws.stsEndpoint', 'connectors[0].clientSecret', 'connectors[1].issuer', 'connectors[2].bindPassword', 'connectors[3].idpSsoUrl',
    ]);
    expect(problems.find((p) => p.path === 'connectors[0].clientSecret')!.message).toMatch(/refuses the client credentials \(invalid_client\): check clientId and clientSecret/);
    expect(problems.find((p) => p.path === 'connectors[2].bindPassword')!.message).toMatch(/refuses the service account/);
    for (const p of problems) expect(p.message).not.toContain('\n');
  });
});

async function idpCert(): Promise<string> {
  const { generate } = await import('selfsigned');
  return (await generate([{ name: 'commonName', value: 'idp' }], { keyType: 'rsa', keySize: 2048 })).cert;
}
