// The real @aws-sdk/client-sts against the stand-in over HTTP: AssumeRoleWithSAML, GetCallerIdentity
// with the issued keys, and the SDK's own mapping of the stand-in's error codes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AssumeRoleWithSAMLCommand, ExpiredTokenException, GetCallerIdentityCommand, IDPRejectedClaimException,
  InvalidIdentityTokenException, PackedPolicyTooLargeException, STSClient, type Credentials,
} from '@aws-sdk/client-sts';
import { FixedClock } from '../../../src/clock.ts';
import {
  ACCOUNT, ENTITY_ID, PROVIDER_ARN, ROLE_ARN, b64, makeKey, signedResponse, startStandin,
  type ResponseKnobs, type TestKey, type TestStandin,
} from '../../unit/standin/helpers.ts';

let key: TestKey;
let env: TestStandin;

beforeAll(async () => {
  key = await makeKey();
  env = await startStandin(key, {}, { maxSessionDuration: 43200 });
});

afterAll(async () => {
  await env?.standin.close();
});

const sts = (credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, url = env.url) =>
  new STSClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1, ...(credentials ? { credentials } : {}) });

const assertion = (knobs: ResponseKnobs = {}) => b64(signedResponse(key, { now: new Date(), ...knobs }));

async function assume(knobs: ResponseKnobs = {}, extra: { DurationSeconds?: number } = {}) {
  return sts().send(new AssumeRoleWithSAMLCommand({ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN, SAMLAssertion: assertion(knobs), ...extra }));
}

function keysOf(c: Credentials | undefined) {
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
}

describe('AssumeRoleWithSAML through the real SDK', () => {
  test('returns credentials, the assumed-role user and the SAML facts', async () => {
    const before = Date.now();
    const out = await assume({ sourceIdentity: 'alice@example.com' }, { DurationSeconds: 7200 });
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(out.Credentials?.SessionToken).toBeTruthy();
    expect(out.Credentials?.Expiration).toBeInstanceOf(Date);
    const lifetime = out.Credentials!.Expiration!.getTime() - before;
    expect(Math.abs(lifetime - 7200_000)).toBeLessThan(5_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:alice@example\.com$/);
    expect(out.SourceIdentity).toBe('alice@example.com');
    expect(out.Subject).toBe('u-7f3a9c');
    expect(out.SubjectType).toBe('persistent');
    expect(out.Issuer).toBe(ENTITY_ID);
    expect(out.Audience).toBe('https://signin.aws.amazon.com/saml');
    expect(out.NameQualifier).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an expired assertion surfaces as ExpiredTokenException', async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    await expect(assume({ confirmationNotOnOrAfter: past, conditionsNotOnOrAfter: past })).rejects.toBeInstanceOf(ExpiredTokenException);
  });

  test('a bad signature surfaces as InvalidIdentityTokenException', async () => {
    const other = await makeKey('not-registered');
    const cmd = new AssumeRoleWithSAMLCommand({ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN, SAMLAssertion: b64(signedResponse(other, { now: new Date() })) });
    await expect(sts().send(cmd)).rejects.toBeInstanceOf(InvalidIdentityTokenException);
  });

  test('a failed IdP status surfaces as IDPRejectedClaimException', async () => {
    await expect(assume({ status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' })).rejects.toBeInstanceOf(IDPRejectedClaimException);
  });

  test('too many session tags surface as PackedPolicyTooLargeException', async () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await expect(assume({ tags })).rejects.toBeInstanceOf(PackedPolicyTooLargeException);
  });

  test('a role that does not trust the provider surfaces as AccessDenied with HTTP 403', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/ReadOnly`;
    const err = await assume({ roles: [`${other},${PROVIDER_ARN}`] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  test('DurationSeconds above the role maximum surfaces as ValidationError', async () => {
    const err = await assume({}, { DurationSeconds: 43201 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ValidationError' });
  });
});

describe('GetCallerIdentity through the real SDK', () => {
  test('succeeds with the issued credentials and names the assumed role', async () => {
    const out = await assume({ sessionName: 'bob@example.com' });
    const me = await sts(keysOf(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob@example.com`);
    expect(me.Account).toBe(ACCOUNT);
    expect(me.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
  });

  test('fails with SignatureDoesNotMatch when the secret is wrong', async () => {
    const out = await assume();
    const creds = { ...keysOf(out.Credentials), secretAccessKey: 'W'.repeat(40) };
    const err = await sts(creds).send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });

  test('fails with InvalidClientTokenId when the session token is not the one issued', async () => {
    const out = await assume();
    const creds = { ...keysOf(out.Credentials), sessionToken: 'IQoJb3JpZ2luX2VjEforged' };
    const err = await sts(creds).send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
  });

  test('the SDK corrects its clock from the stand-in’s Date header and then succeeds', async () => {
    // A stand-in whose clock runs 40 minutes ahead: the first signature is out of the 15-minute
    // window, the SDK reads the Date header, adjusts its offset and signs again.
    const ahead = new FixedClock(new Date(Date.now() + 40 * 60_000));
    const skewed = await startStandin(key, { clock: ahead });
    try {
      const issued = await new STSClient({ region: 'us-east-1', endpoint: skewed.url }).send(
        new AssumeRoleWithSAMLCommand({ RoleArn: ROLE_ARN, PrincipalArn: PROVIDER_ARN, SAMLAssertion: b64(signedResponse(key, { now: ahead.now() })) }),
      );
      const client = new STSClient({ region: 'us-east-1', endpoint: skewed.url, credentials: keysOf(issued.Credentials), maxAttempts: 3 });
      const me = await client.send(new GetCallerIdentityCommand({}));
      expect(me.Account).toBe(ACCOUNT);
    } finally {
      await skewed.standin.close();
    }
  });
});
