// AssumeRoleWithSAML through the real @aws-sdk/client-sts against a stub that answers with STS's
// XML shapes: success parsing, an unsigned request with no AWS credentials anywhere, error
// translation to HatrackErrors, and bounded failure when STS cannot be reached.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assumeRoleWithSaml, closeStsClients, translateStsError } from '../../../src/aws/sts.ts';
import { isHatrackError, type HatrackError } from '../../../src/errors.ts';
import { closedPort, startStub, type Stub } from './http-stub.ts';

const ROLE = 'arn:aws:iam::111111111111:role/ops/Admin';
const PROVIDER = 'arn:aws:iam::111111111111:saml-provider/hatrack';
const ASSERTION = Buffer.from('<samlp:Response>not really signed, the stub does not care</samlp:Response>').toString('base64');

function successXml(opts: { sourceIdentity?: string; credentials?: boolean } = {}): string {
  const creds = opts.credentials === false ? '' : `
    <Credentials>
      <AccessKeyId>ASIAV3ZUEFP6EXAMPLE</AccessKeyId>
      <SecretAccessKey>8P+SQvWIuLnKhh8d++jpw0nNmQRBZvNEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uG</SessionToken>
      <Expiration>2025-03-04T06:06:07Z</Expiration>
    </Credentials>`;
  return `<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithSAMLResult>
    <Issuer>https://hatrack.example.com/saml/metadata</Issuer>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::111111111111:assumed-role/Admin/alice@corp.example</Arn>
      <AssumedRoleId>AROA3XFRBF535EXAMPLE:alice@corp.example</AssumedRoleId>
    </AssumedRoleUser>${creds}
    <Audience>https://signin.aws.amazon.com/saml</Audience>
    <SubjectType>persistent</SubjectType>
    <PackedPolicySize>6</PackedPolicySize>
    <NameQualifier>SbdGOnUkh1i4+EXAMPLExL/jEvs=</NameQualifier>${opts.sourceIdentity ? `
    <SourceIdentity>${opts.sourceIdentity}</SourceIdentity>` : ''}
    <Subject>0123abcd</Subject>
  </AssumeRoleWithSAMLResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleWithSAMLResponse>`;
}

function errorXml(code: string, message: string, type = 'Sender'): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4b5e4e8d-0000-4000-8000-000000000001</RequestId></ErrorResponse>`;
}

let reply: { status: number; body: string; contentType?: string } = { status: 200, body: successXml() };
let stub: Stub;

beforeAll(async () => {
  stub = await startStub((_req, res) => {
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/xml', 'x-amzn-requestid': 'req-1' });
    res.end(reply.body);
  });
});
afterAll(async () => {
  closeStsClients();
  await stub.close();
});
afterEach(() => {
  stub.seen.length = 0;
  reply = { status: 200, body: successXml() };
});

async function failure(p: Promise<unknown>): Promise<HatrackError> {
  try {
    await p;
  } catch (e) {
    if (isHatrackError(e)) return e;
    throw e;
  }
  throw new Error('expected a HatrackError');
}

const call = (extra: { durationSeconds?: number; timeoutMs?: number; region?: string } = {}) =>
  assumeRoleWithSaml(
    { roleArn: ROLE, providerArn: PROVIDER, samlAssertionBase64: ASSERTION, durationSeconds: extra.durationSeconds },
    { region: extra.region ?? 'eu-west-1', endpoint: stub.url, timeoutMs: extra.timeoutMs },
  );

describe('assumeRoleWithSaml: success', () => {
  it('parses credentials, expiration, assumed role ARN and source identity from the STS response', async () => {
    reply = { status: 200, body: successXml({ sourceIdentity: 'alice@corp.example' }) };
    const out = await call();
    expect(out).toEqual({
      accessKeyId: 'ASIAV3ZUEFP6EXAMPLE',
      secretAccessKey: '8P+SQvWIuLnKhh8d++jpw0nNmQRBZvNEXAMPLEKEY',
      sessionToken: 'IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uG',
      expiration: new Date('2025-03-04T06:06:07Z'),
      assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/Admin/alice@corp.example',
      sourceIdentity: 'alice@corp.example',
    });
    expect(out.expiration).toBeInstanceOf(Date);
  });

  it('omits sourceIdentity when STS sends none', async () => {
    const out = await call();
    expect(out).not.toHaveProperty('sourceIdentity');
  });

  it('sends the Query API form: action, version, role, principal, assertion and duration', async () => {
    await call({ durationSeconds: 7200 });
    expect(stub.seen).toHaveLength(1);
    const req = stub.seen[0]!;
    expect(req.method).toBe('POST');
    const form = new URLSearchParams(req.body);
    expect(form.get('Action')).toBe('AssumeRoleWithSAML');
    expect(form.get('Version')).toBe('2011-06-15');
    expect(form.get('RoleArn')).toBe(ROLE);
    expect(form.get('PrincipalArn')).toBe(PROVIDER);
    expect(form.get('SAMLAssertion')).toBe(ASSERTION);
    expect(form.get('DurationSeconds')).toBe('7200');
  });

  it('leaves DurationSeconds out unless asked', async () => {
    await call();
    expect(new URLSearchParams(stub.seen[0]!.body).has('DurationSeconds')).toBe(false);
  });
});

describe('assumeRoleWithSaml: needs no AWS credentials', () => {
  const saved = { ...process.env };
  let home: string;
  beforeAll(() => { home = mkdtempSync(join(tmpdir(), 'hatrack-nohome-')); });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    closeStsClients();
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('works with no ~/.aws and no AWS_* environment, and sends an unsigned request', async () => {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    process.env.HOME = home;
    process.env.USERPROFILE = home;
    closeStsClients();
    const out = await call({ region: 'us-west-2' });
    expect(out.accessKeyId).toBe('ASIAV3ZUEFP6EXAMPLE');
    const headers = stub.seen[0]!.headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-amz-security-token']).toBeUndefined();
    expect(headers['x-amz-date']).toBeUndefined();
  });

  it('does not sign with AWS credentials lying around in the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENTKEY01';
    process.env.AWS_SECRET_ACCESS_KEY = 'environment-secret';
    process.env.AWS_SESSION_TOKEN = 'environment-token';
    closeStsClients();
    await call({ region: 'us-west-2' });
    const headers = stub.seen[0]!.headers;
    expect(headers.authorization).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('AKIAENVIRONMENTKEY01');
    expect(JSON.stringify(headers)).not.toContain('environment-token');
  });
});

describe('assumeRoleWithSaml: STS errors become HatrackErrors', () => {
  it.each([
    ['AccessDenied', 403, 'sts_access_denied', 403],
    ['IDPRejectedClaim', 403, 'sts_idp_rejected_claim', 403],
    ['InvalidIdentityToken', 400, 'sts_invalid_identity_token', 403],
    ['ExpiredTokenException', 400, 'sts_expired_token', 502],
    ['MalformedPolicyDocument', 400, 'sts_malformed_policy', 502],
    ['PackedPolicyTooLarge', 400, 'sts_packed_policy_too_large', 502],
    ['PackedPolicySizeTooLarge', 400, 'sts_packed_policy_too_large', 502],
    ['RegionDisabledException', 403, 'sts_region_disabled', 502],
    ['Throttling', 400, 'sts_throttled', 503],
    ['InternalFailure', 500, 'sts_failed', 502],
  ] as const)('translates %s (HTTP %d) to %s with status %d', async (wire, httpStatus, code, status) => {
    reply = { status: httpStatus, body: errorXml(wire, 'Not authorized to perform sts:AssumeRoleWithSAML', httpStatus >= 500 ? 'Receiver' : 'Sender') };
    const e = await failure(call());
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.message).toMatch(/^[A-Z].*\.$/); // a plain sentence
    expect(e.detail).toContain(wire);
    expect(e.detail).toContain(`HTTP ${httpStatus}`);
    expect(`${e.message} ${e.detail}`).not.toContain(ASSERTION);
  });

  it('translates the brief ErrorResponse shape without a namespace too', async () => {
    reply = { status: 403, body: '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message></Error><RequestId>r-1</RequestId></ErrorResponse>' };
    expect((await failure(call())).code).toBe('sts_access_denied');
  });

  it('answers 502 when something that is not STS answers (an HTML error page)', async () => {
    reply = { status: 502, body: '<html><body>Bad gateway</body></html>', contentType: 'text/html' };
    const e = await failure(call());
    expect(e.status).toBe(502);
    expect(e.code).toBe('sts_failed');
  });

  it('answers 502 when STS answers 200 without credentials', async () => {
    reply = { status: 200, body: successXml({ credentials: false }) };
    const e = await failure(call());
    expect(e.code).toBe('sts_bad_response');
    expect(e.status).toBe(502);
  });

  it('never lets a non-HTTP failure through untranslated', () => {
    const e = translateStsError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(e.code).toBe('sts_unreachable');
    expect(e.status).toBe(503);
  });
});

describe('assumeRoleWithSaml: reachability', () => {
  it('answers 503 quickly when the endpoint refuses connections', async () => {
    const port = await closedPort();
    const started = Date.now();
    const e = await failure(assumeRoleWithSaml(
      { roleArn: ROLE, providerArn: PROVIDER, samlAssertionBase64: ASSERTION },
      { region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2000 },
    ));
    expect(e.code).toBe('sts_unreachable');
    expect(e.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(`${e.message} ${e.detail}`).not.toContain(ASSERTION);
  });

  it('answers 503 within the timeout when the endpoint never answers', async () => {
    const silent = await startStub(() => { /* never responds */ });
    try {
      const started = Date.now();
      const e = await failure(assumeRoleWithSaml(
        { roleArn: ROLE, providerArn: PROVIDER, samlAssertionBase64: ASSERTION },
        { region: 'eu-west-1', endpoint: silent.url, timeoutMs: 400 },
      ));
      expect(e.code).toBe('sts_unreachable');
      expect(e.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });
});

describe('assumeRoleWithSaml: a pooled connection the server closed', () => {
  // A keep-alive connection that sat idle can be closed by the server just as it is reused (Node
  // servers close idle ones after 5 s): the request dies unanswered. Such a reset is tried once more
  // on a new connection; anything else, and a second reset, is not.
  function resettingStub(resetWhen: (requestOnSocket: number) => boolean) {
    const perSocket = new WeakMap<object, number>();
    return startStub((req, res) => {
      const n = (perSocket.get(res.socket!) ?? 0) + 1;
      perSocket.set(res.socket!, n);
      if (resetWhen(n)) {
        res.socket!.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(successXml());
    });
  }

  it('sends again on a new connection when a reused one is reset before any answer', async () => {
    const dropsReused = await resettingStub((n) => n > 1);
    try {
      const settings = { region: 'eu-west-1', endpoint: dropsReused.url, timeoutMs: 3000 };
      const input = { roleArn: ROLE, providerArn: PROVIDER, samlAssertionBase64: ASSERTION };
      await assumeRoleWithSaml(input, settings);
      const second = await assumeRoleWithSaml(input, settings);
      expect(second.accessKeyId).toBe('ASIAV3ZUEFP6EXAMPLE');
      expect(dropsReused.seen).toHaveLength(3);
    } finally {
      await dropsReused.close();
    }
  });

  it('answers 503 after the second reset, having sent twice and no more', async () => {
    const dropsAll = await resettingStub(() => true);
    try {
      const e = await failure(assumeRoleWithSaml(
        { roleArn: ROLE, providerArn: PROVIDER, samlAssertionBase64: ASSERTION },
        { region: 'eu-west-1', endpoint: dropsAll.url, timeoutMs: 3000 },
      ));
      expect(e.code).toBe('sts_unreachable');
      expect(e.detail).toMatch(/reset/);
      expect(dropsAll.seen).toHaveLength(2);
    } finally {
      await dropsAll.close();
    }
  });

  it('does not send again after a timeout: the request may still be under way', async () => {
    const silent = await startStub(() => { /* never responds */ });
    try {
      const e = await failure(assumeRoleWithSaml(
        { roleArn: ROLE, providerArn: PROVIDER, samlAssertionBase64: ASSERTION },
        { region: 'eu-west-1', endpoint: silent.url, timeoutMs: 300 },
      ));
      expect(e.detail).toMatch(/timed out/);
      expect(silent.seen).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });
});

describe('assumeRoleWithSaml: input checks', () => {
  it('rejects an invalid role or provider ARN without calling STS (W8)', async () => {
    expect((await failure(assumeRoleWithSaml({ roleArn: 'arn:aws:iam::111111111111:role/*', providerArn: PROVIDER, samlAssertionBase64: ASSERTION }, { region: 'eu-west-1', endpoint: stub.url }))).code).toBe('invalid_role_arn');
    expect((await failure(assumeRoleWithSaml({ roleArn: ROLE, providerArn: 'arn:aws:iam::111111111111:saml-provider/a,b', samlAssertionBase64: ASSERTION }, { region: 'eu-west-1', endpoint: stub.url }))).code).toBe('invalid_saml_provider_arn');
    expect(stub.seen).toHaveLength(0);
  });

  it('rejects a duration outside 900–43200 without calling STS', async () => {
    expect((await failure(call({ durationSeconds: 600 }))).code).toBe('sts_invalid_duration');
    expect(stub.seen).toHaveLength(0);
  });
});
