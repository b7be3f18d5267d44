// The crypto floor a login is compared with, measured in the driver as CPU time per call:
// verifying the upstream's signature and signing one AWS assertion, with the run's own keys.
// - SAML: xml-crypto's parse + checkSignature of one signed IdP Response (PERFORMANCE.md's floor),
//   and the bare RSA-SHA256 verify of the same bytes with the IdP's key (the least a verify costs);
// - OIDC: the bare RS256 verify of a real ID token from the dev provider, with the provider's key;
// - signing: one bare RSA-SHA256 signature of a minted AWS assertion with the broker's key.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { mintAwsResponse } from '../../src/aws/mint.ts';
import { createKeySigner } from '../../src/aws/signer.ts';
import type { SigningKey } from '../../src/dev/saml-idp/response.ts';
import type { Identity } from '../../src/identity.ts';
import type { Grant } from '../../src/mapping/types.ts';
import { Browser } from './login-browser.ts';
import { FLOOR_CLIENT, ROLE_ARN, benchPerson } from './login-config.ts';

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

export interface FloorMaterial {
  idp: SigningKey;
  /** One signed IdP Response, as posted to the ACS. */
  signedResponseXml: string;
  /** Hatrack's signing key and certificate, as the brokers load them. */
  broker: SigningKey;
  /** A real ID token from the dev provider, and the provider's public key. */
  idToken: string;
  providerKey: KeyObject;
}

/** CPU milliseconds per call, in this process. */
export interface Floors {
  xmlVerify: number;
  samlBareVerify: number;
  idTokenVerify: number;
  sign: number;
}

function cpuMsPerCall(fn: () => unknown, calls: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / calls;
}

/** A minted AWS assertion for a signed-in person, signed with the broker's key (what AssumeRoleWithSAML gets). */
function mintedAssertion(broker: SigningKey): string {
  const identity: Identity = { connector: 'google', subject: 'saml1@corp.example', email: 'saml1@corp.example', emailVerified: false, groups: ['aws-admins@corp.example'], mfa: false, claims: {} };
  const grant: Grant = {
    roleArn: ROLE_ARN, providerArn: 'arn:aws:iam::111111111111:saml-provider/hatrack',
    accountId: '111111111111', accountAlias: 'prod', roleName: 'Admin', sessionDuration: 3600, rule: 0,
  };
  const idp = { entityId: 'http://hatrack.bench.test/saml/metadata', signer: createKeySigner({ current: broker }), recipient: 'https://signin.aws.amazon.com/saml', audience: 'https://signin.aws.amazon.com/saml' };
  return mintAwsResponse(identity, grant, idp, new Date());
}

/** The floor's operations, each returning whether it succeeded, and checked once that it does. */
export type FloorOperations = Record<keyof Floors, () => boolean>;

export function floorOperations(m: FloorMaterial): FloorOperations {
  const idpPublic = createPublicKey(m.idp.certPem);
  const responseBytes = Buffer.from(m.signedResponseXml, 'utf8');
  const responseSignature = sign('sha256', responseBytes, createPrivateKey(m.idp.keyPem));
  const [header = '', payload = '', jwtSignature = ''] = m.idToken.split('.');
  const signingInput = Buffer.from(`${header}.${payload}`, 'ascii');
  const idTokenSignature = Buffer.from(jwtSignature, 'base64url');
  const brokerKey = createPrivateKey(m.broker.keyPem);
  const minted = Buffer.from(mintedAssertion(m.broker), 'utf8');

  const ops: FloorOperations = {
    xmlVerify: () => {
      const doc = new DOMParser().parseFromString(m.signedResponseXml, 'text/xml');
      const signature = doc.documentElement?.getElementsByTagNameNS(DSIG, 'Signature').item(0);
      if (!signature) return false;
      const verifier = new SignedXml({ publicCert: m.idp.certPem, getCertFromKeyInfo: () => null });
      verifier.loadSignature(signature);
      return verifier.checkSignature(m.signedResponseXml);
    },
    samlBareVerify: () => verify('sha256', responseBytes, idpPublic, responseSignature),
    idTokenVerify: () => verify('sha256', signingInput, m.providerKey, idTokenSignature),
    sign: () => sign('sha256', minted, brokerKey).length === 256,
  };
  for (const [name, op] of Object.entries(ops)) if (!op()) throw new Error(`floor operation ${name} does not succeed`);
  return ops;
}

/** Each floor operation's CPU per call, now. */
export function measureFloors(ops: FloorOperations): Floors {
  return {
    xmlVerify: cpuMsPerCall(ops.xmlVerify, 60),
    samlBareVerify: cpuMsPerCall(ops.samlBareVerify, 400),
    idTokenVerify: cpuMsPerCall(ops.idTokenVerify, 400),
    sign: cpuMsPerCall(ops.sign, 100),
  };
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/**
 * A real ID token from the dev provider: one authorization-code login with PKCE by the floor
 * client, for person 0 (the logins measured start at 1), and the provider's key from its JWKS.
 */
export async function fetchIdToken(issuer: string): Promise<{ idToken: string; providerKey: KeyObject }> {
  const browser = new Browser({ publicOrigin: 'http://unused.invalid', route: () => 'http://unused.invalid', clientAddress: '127.0.0.1' });
  const json = async <T>(url: string, init?: Parameters<Browser['request']>[1]) => {
    const answer = await browser.request(url, init);
    if (answer.status !== 200) throw new Error(`${url}: HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    return JSON.parse(answer.body) as T;
  };
  const discovery = await json<Discovery>(`${issuer}/.well-known/openid-configuration`);
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = FLOOR_CLIENT.redirect_uris[0]!;
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: FLOOR_CLIENT.client_id, response_type: 'code', scope: 'openid email profile groups', redirect_uri: redirectUri,
    state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString();
  const person = benchPerson(0);
  const form = await browser.follow(authorize);
  const back = await browser.follow(form.url, { form: { prompt: 'login', login: person.username, password: person.password } }, (u) => u.href.startsWith(redirectUri));
  const code = back.url.searchParams.get('code');
  if (!code) throw new Error(`the provider did not send the floor client back with a code (${back.url.href.slice(0, 200)})`);
  const tokens = await json<{ id_token?: string }>(discovery.token_endpoint, {
    form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    headers: { authorization: `Basic ${Buffer.from(`${FLOOR_CLIENT.client_id}:${FLOOR_CLIENT.client_secret}`).toString('base64')}` },
  });
  if (!tokens.id_token) throw new Error('the provider\'s token endpoint sent no id_token');
  const { kid } = JSON.parse(Buffer.from(tokens.id_token.split('.')[0]!, 'base64url').toString('utf8')) as { kid?: string };
  const { keys } = await json<{ keys: Array<Record<string, unknown>> }>(discovery.jwks_uri);
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error(`the provider's JWKS has no key ${kid}`);
  return { idToken: tokens.id_token, providerKey: createPublicKey({ key: jwk as never, format: 'jwk' }) };
}
