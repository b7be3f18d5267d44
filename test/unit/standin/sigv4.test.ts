// SigV4 verification as a pure function: AWS's published examples, the SDK's own signer over
// arbitrary requests, and every way a signature must fail.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { StandinError } from '../../../src/dev/aws-standin/errors.ts';
import {
  canonicalQuery, canonicalRequest, canonicalUri, parseAuthorization, signingKey, stringToSign, verifySigV4,
  type SignedRequest,
} from '../../../src/dev/aws-standin/sigv4.ts';
import { sdkSigned } from './sdk-signer.ts';

const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const AT = new Date('2030-06-01T12:00:00Z');
const KEY = { accessKeyId: 'ASIAEXAMPLE000000001', secretAccessKey: 'secret/with+chars=0123456789abcdefghijkl' };

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof StandinError) return e.code;
    throw e;
  }
}

function verify(req: SignedRequest, secret = KEY.secretAccessKey, now = AT, region = 'us-east-1', service = 'sts'): string | undefined {
  return codeOf(() => {
    const auth = parseAuthorization(req);
    if (!auth) throw new StandinError('MissingAuthenticationToken', 403, 'missing');
    verifySigV4(req, auth, secret, { now, region, service });
  });
}

const getCallerIdentity = (over: Partial<Parameters<typeof sdkSigned>[0]> = {}) =>
  sdkSigned({
    ...KEY,
    date: AT,
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    ...over,
  });

describe('AWS’s published SigV4 examples', () => {
  test('reproduces the IAM ListUsers example: canonical request hash and signature', () => {
    const req: SignedRequest = {
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: [['Host', 'iam.amazonaws.com'], ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'], ['X-Amz-Date', '20150830T123600Z']],
      body: new Uint8Array(),
    };
    const canonical = canonicalRequest(req, ['content-type', 'host', 'x-amz-date'], EMPTY_SHA256);
    expect(createHash('sha256').update(canonical).digest('hex')).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
    const toSign = stringToSign('20150830T123600Z', '20150830/us-east-1/iam/aws4_request', canonical);
    const signature = createHmac('sha256', signingKey(EXAMPLE_SECRET, '20150830', 'us-east-1', 'iam')).update(toSign).digest('hex');
    expect(signature).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });

  test('verifies the get-vanilla test-suite request', () => {
    const req: SignedRequest = {
      method: 'GET',
      path: '/',
      query: '',
      headers: [
        ['Host', 'example.amazonaws.com'],
        ['X-Amz-Date', '20150830T123600Z'],
        ['Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
      ],
      body: new Uint8Array(),
    };
    expect(verify(req, EXAMPLE_SECRET, new Date('2015-08-30T12:36:00Z'), 'us-east-1', 'service')).toBeUndefined();
    expect(verify(req, EXAMPLE_SECRET.replace('w', 'W'), new Date('2015-08-30T12:36:00Z'), 'us-east-1', 'service')).toBe('SignatureDoesNotMatch');
  });

  test('canonicalises the URI and query the way the spec says', () => {
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalUri('/caf%C3%A9/x y')).toBe('/caf%25C3%25A9/x%20y');
    expect(canonicalQuery('b=2&a=2&a=1&c')).toBe('a=1&a=2&b=2&c=');
    expect(canonicalQuery('k=a%20b&k2=a+b&k3=%7E%2A')).toBe('k=a%20b&k2=a%2Bb&k3=~%2A');
  });
});

describe('requests signed by the AWS SDK’s own signer', () => {
  test('verifies a signed GetCallerIdentity POST', async () => {
    expect(verify(await getCallerIdentity())).toBeUndefined();
  });

  test('verifies a signed request with a session token header', async () => {
    expect(verify(await getCallerIdentity({ sessionToken: 'IQoJb3JpZ2luX2VjE+/=token' }))).toBeUndefined();
  });

  test('verifies any path, query, header and body the SDK signs (property)', async () => {
    const text = (maxLength: number, minLength = 0) => fc.string({ unit: fc.oneof(fc.constantFrom('/', '.', '%', '+', ' ', '~', '*', '=', '&'), fc.constantFrom('a', 'Z', '9'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength, maxLength });
    const segment = text(8, 1).map((s) => encodeURIComponent(s));
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 4 }),
        fc.dictionary(text(6, 1), text(8), { maxKeys: 4 }),
        text(40),
        fc.string({ maxLength: 20 }).filter((v) => !/[\r\n]/.test(v)),
        async (segments, query, body, headerValue) => {
          const req = await sdkSigned({ ...KEY, date: AT, path: '/' + segments.join('/'), query, body, headers: { 'x-test-value': headerValue } });
          expect(verify(req)).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });

  test('fails any single-byte change to the body (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), async (body, at) => {
        const req = await sdkSigned({ ...KEY, date: AT, body, applyChecksum: false });
        const bytes = Buffer.from(req.body);
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ 0x01;
        expect(verify({ ...req, body: bytes })).toBe('SignatureDoesNotMatch');
      }),
      { numRuns: 40 },
    );
  });
});

describe('what must not verify', () => {
  test('a wrong secret (SignatureDoesNotMatch)', async () => {
    expect(verify(await getCallerIdentity(), 'not-the-secret')).toBe('SignatureDoesNotMatch');
  });

  test('a signed header changed in transit (SignatureDoesNotMatch)', async () => {
    const req = await getCallerIdentity();
    const headers = req.headers.map(([n, v]) => [n, n.toLowerCase() === 'content-type' ? 'text/plain' : v] as const);
    expect(verify({ ...req, headers })).toBe('SignatureDoesNotMatch');
  });

  test('a query parameter added after signing (SignatureDoesNotMatch)', async () => {
    const req = await getCallerIdentity();
    expect(verify({ ...req, query: 'Action=AssumeRole' })).toBe('SignatureDoesNotMatch');
  });

  test('a body that does not match x-amz-content-sha256 (SignatureDoesNotMatch)', async () => {
    const req = await getCallerIdentity();
    expect(verify({ ...req, body: Buffer.from('Action=Other') })).toBe('SignatureDoesNotMatch');
  });

  test('a request dated more than 15 minutes ago (SignatureDoesNotMatch: signature expired)', async () => {
    const req = await getCallerIdentity();
    expect(verify(req, KEY.secretAccessKey, new Date(AT.getTime() + 16 * 60_000))).toBe('SignatureDoesNotMatch');
    expect(verify(req, KEY.secretAccessKey, new Date(AT.getTime() + 14 * 60_000))).toBeUndefined();
  });

  test('a request dated more than 15 minutes ahead (SignatureDoesNotMatch: not yet current)', async () => {
    const req = await getCallerIdentity();
    expect(verify(req, KEY.secretAccessKey, new Date(AT.getTime() - 16 * 60_000))).toBe('SignatureDoesNotMatch');
  });

  test('a credential scoped to another region (SignatureDoesNotMatch)', async () => {
    expect(verify(await getCallerIdentity({ region: 'eu-west-1' }))).toBe('SignatureDoesNotMatch');
  });

  test('a credential scoped to another service (SignatureDoesNotMatch)', async () => {
    expect(verify(await getCallerIdentity({ service: 'iam' }))).toBe('SignatureDoesNotMatch');
  });

  test('a signature without host among the signed headers (SignatureDoesNotMatch)', async () => {
    const req = await getCallerIdentity();
    const headers = req.headers.map(([n, v]) =>
      [n, n.toLowerCase() === 'authorization' ? v.replace(/SignedHeaders=([^,]*)/, (_, h: string) => `SignedHeaders=${h.split(';').filter((x) => x !== 'host').join(';')}`) : v] as const,
    );
    expect(verify({ ...req, headers })).toBe('SignatureDoesNotMatch');
  });

  test('a signed header that is absent from the request (SignatureDoesNotMatch)', async () => {
    const req = await getCallerIdentity();
    expect(verify({ ...req, headers: req.headers.filter(([n]) => n.toLowerCase() !== 'content-type') })).toBe('SignatureDoesNotMatch');
  });

  test('no Authorization header at all (the caller answers MissingAuthenticationToken)', async () => {
    const req = await getCallerIdentity();
    expect(parseAuthorization({ headers: req.headers.filter(([n]) => n.toLowerCase() !== 'authorization') })).toBeUndefined();
  });

  test.each([
    ['another algorithm', 'AWS4-HMAC-SHA512 Credential=A/20300601/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64)],
    ['no Signature', 'AWS4-HMAC-SHA256 Credential=A/20300601/us-east-1/sts/aws4_request, SignedHeaders=host'],
    ['a short Credential', 'AWS4-HMAC-SHA256 Credential=A/20300601/us-east-1, SignedHeaders=host, Signature=' + '0'.repeat(64)],
    ['a wrong terminator', 'AWS4-HMAC-SHA256 Credential=A/20300601/us-east-1/sts/aws5_request, SignedHeaders=host, Signature=' + '0'.repeat(64)],
    ['a Signature that is not hex', 'AWS4-HMAC-SHA256 Credential=A/20300601/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=xyz'],
  ])('an Authorization header with %s (IncompleteSignature)', (_, header) => {
    expect(codeOf(() => parseAuthorization({ headers: [['Authorization', header]] }))).toBe('IncompleteSignature');
  });
});
