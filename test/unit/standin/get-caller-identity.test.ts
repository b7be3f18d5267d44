// GetCallerIdentity at the stand-in: SigV4 with credentials it issued, checked at a frozen time.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import {
  ACCOUNT, NOW, assumeParams, credentialsOf, makeKey, postSts, signedResponse, startStandin, xmlValue,
  type TestKey, type TestStandin,
} from './helpers.ts';
import { sdkSigned, send, type SdkSignInput } from './sdk-signer.ts';

let key: TestKey;
let env: TestStandin & { clock: FixedClock; creds: ReturnType<typeof credentialsOf> };

beforeAll(async () => {
  key = await makeKey();
});

async function setUp(): Promise<void> {
  const clock = new FixedClock(NOW);
  const s = await startStandin(key, { clock });
  const answer = await postSts(s.url, assumeParams(signedResponse(key, { sessionName: 'alice@example.com' })));
  expect(answer.status).toBe(200);
  env = { ...s, clock, creds: credentialsOf(answer.body) };
}

afterEach(async () => {
  await env?.standin.close();
});

async function call(over: Partial<SdkSignInput> = {}, at = NOW) {
  const host = new URL(env.url).host;
  const req = await sdkSigned({
    accessKeyId: env.creds.accessKeyId,
    secretAccessKey: env.creds.secretAccessKey,
    sessionToken: env.creds.sessionToken,
    date: at,
    host,
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    ...over,
  });
  const res = await send(env.url, req);
  return { ...res, code: xmlValue(res.body, 'Code') };
}

describe('GetCallerIdentity', () => {
  test('names the assumed role for credentials the stand-in issued', async () => {
    await setUp();
    const res = await call();
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><Arn>/);
    expect(xmlValue(res.body, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`);
    expect(xmlValue(res.body, 'UserId')).toMatch(/^AROA[A-Z0-9]{17}:alice@example\.com$/);
    expect(xmlValue(res.body, 'Account')).toBe(ACCOUNT);
  });

  test('accepts the call as a signed GET with the parameters in the query', async () => {
    await setUp();
    const res = await call({ method: 'GET', body: '', headers: {}, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } });
    expect(res.status).toBe(200);
  });

  test('rejects a wrong secret with SignatureDoesNotMatch (403)', async () => {
    await setUp();
    const res = await call({ secretAccessKey: 'x'.repeat(40) });
    expect({ status: res.status, code: res.code }).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  test('rejects an access key it never issued with InvalidClientTokenId (403)', async () => {
    await setUp();
    const res = await call({ accessKeyId: 'ASIA0000000000000000' });
    expect({ status: res.status, code: res.code }).toEqual({ status: 403, code: 'InvalidClientTokenId' });
  });

  test('rejects a session token that is not the one issued with the key (InvalidClientTokenId)', async () => {
    await setUp();
    const res = await call({ sessionToken: env.creds.sessionToken.slice(0, -4) + 'AAAA' });
    expect({ status: res.status, code: res.code }).toEqual({ status: 403, code: 'InvalidClientTokenId' });
  });

  test('rejects a call without the session token (InvalidClientTokenId)', async () => {
    await setUp();
    const res = await call({ sessionToken: undefined });
    expect({ status: res.status, code: res.code }).toEqual({ status: 403, code: 'InvalidClientTokenId' });
  });

  test('rejects expired credentials with ExpiredToken (400)', async () => {
    await setUp();
    env.clock.advance(3601 * 1000);
    const res = await call({}, env.clock.now());
    expect({ status: res.status, code: res.code }).toEqual({ status: 400, code: 'ExpiredToken' });
  });

  test('rejects a request without Authorization with MissingAuthenticationToken (403)', async () => {
    await setUp();
    const res = await postSts(env.url, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect({ status: res.status, code: res.code }).toEqual({ status: 403, code: 'MissingAuthenticationToken' });
  });

  test('rejects a request signed more than 15 minutes before the stand-in’s clock (SignatureDoesNotMatch)', async () => {
    await setUp();
    const res = await call({}, new Date(NOW.getTime() - 16 * 60_000));
    expect({ status: res.status, code: res.code }).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(xmlValue(res.body, 'Message')).toMatch(/^Signature expired/);
  });
});
