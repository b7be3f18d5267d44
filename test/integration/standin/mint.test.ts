// The broker's real minter (src/aws/mint.ts) against the stand-in: what Hatrack signs, the
// offline AWS accepts, through the real SDK — including during a key rotation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Identity } from '../../../src/identity.ts';
import type { Grant } from '../../../src/mapping/types.ts';
import { generateSigningKeyPair } from '../../../src/aws/keys.ts';
import { idpMetadataXml } from '../../../src/aws/metadata.ts';
import { encodeForSts, mintAwsResponse, type IdpSettings } from '../../../src/aws/mint.ts';
import { createKeySigner } from '../../../src/aws/signer.ts';
import { createAwsStandin, type AwsStandin } from '../../../src/dev/aws-standin/index.ts';

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/PowerUser`;
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/hatrack`;
const ENTITY_ID = 'https://hatrack.example.com/saml/metadata';
const SIGNIN = 'https://signin.aws.amazon.com/saml';

const identity: Identity = {
  connector: 'demo',
  subject: 'upstream-sub-42',
  emailVerified: true,
  email: 'alice@example.com',
  groups: ['power-users'],
  mfa: true,
  claims: {},
};

const grant: Grant = { roleArn: ROLE_ARN, providerArn: PROVIDER_ARN, accountId: ACCOUNT, roleName: 'PowerUser', sessionDuration: 28800, rule: 0 };

let standin: AwsStandin;
let url: string;
let current: { keyPem: string; certPem: string };
let next: { keyPem: string; certPem: string };

beforeAll(async () => {
  [current, next] = await Promise.all([generateSigningKeyPair(), generateSigningKeyPair()]);
  standin = createAwsStandin();
  // Rotation in progress: the uploaded metadata lists the current and the next certificate.
  standin.registerSamlProvider(PROVIDER_ARN, idpMetadataXml({ entityId: ENTITY_ID, certificates: [current.certPem, next.certPem] }));
  standin.registerRole(ROLE_ARN, { maxSessionDuration: 43200 });
  ({ url } = await standin.listen(0));
});

afterAll(async () => {
  await standin?.close();
});

function idp(keys: { keyPem: string; certPem: string }): IdpSettings {
  return { entityId: ENTITY_ID, signer: createKeySigner({ current: keys }), recipient: SIGNIN, audience: SIGNIN };
}

async function assume(xml: string) {
  return new STSClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1 }).send(
    new AssumeRoleWithSAMLCommand({ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN, SAMLAssertion: encodeForSts(xml), DurationSeconds: 28800 }),
  );
}

describe('assertions from the real mintAwsResponse', () => {
  test('are accepted, with session tags, and the keys work for GetCallerIdentity', async () => {
    const xml = mintAwsResponse(identity, grant, idp(current), new Date(), {
      sessionTags: [{ key: 'team', value: 'platform', transitive: true }],
    });
    const out = await assume(xml);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/PowerUser/alice@example.com`);
    expect(out.SourceIdentity).toBe('alice@example.com');
    expect(out.Issuer).toBe(ENTITY_ID);
    expect(out.SubjectType).toBe('persistent');
    const c = out.Credentials!;
    const me = await new STSClient({
      region: 'us-east-1',
      endpoint: url,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(out.AssumedRoleUser?.Arn);
  });

  test('signed with the next key of a rotation are accepted too', async () => {
    const out = await assume(mintAwsResponse(identity, grant, idp(next), new Date()));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  test('are refused once replayed', async () => {
    const xml = mintAwsResponse(identity, grant, idp(current), new Date());
    await assume(xml);
    await expect(assume(xml)).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
  });
});
