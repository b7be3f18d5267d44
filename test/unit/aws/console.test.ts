// The federation endpoint exchange (AWS.md §3) against a stub: getSigninToken request shape, the
// login URL, and errors that never carry the token or the keys.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleSigninUrl, type ConsoleSigninSettings } from '../../../src/aws/console.ts';
import { isHatrackError, type HatrackError } from '../../../src/errors.ts';
import { closedPort, startStub, type Stub } from './http-stub.ts';

const creds = {
  accessKeyId: 'ASIAV3ZUEFP6EXAMPLE',
  secretAccessKey: '8P+SQvWIuLnKhh8d++jpw0nNmQRBZvNEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEOz//////////wEXAMPLE&token=',
  expiration: new Date('2025-03-04T06:06:07Z'),
};
const TOKEN = 'VCQgs5qZZt3Q5S2ZQ1xDmQ-example-signin-token';

let reply: { status: number; body: string } = { status: 200, body: JSON.stringify({ SigninToken: TOKEN }) };
let stub: Stub;
beforeAll(async () => {
  stub = await startStub((_req, res) => {
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body);
  });
});
afterAll(() => stub.close());
afterEach(() => {
  stub.seen.length = 0;
  reply = { status: 200, body: JSON.stringify({ SigninToken: TOKEN }) };
});

function settings(overrides: Partial<ConsoleSigninSettings> = {}): ConsoleSigninSettings {
  return {
    federationEndpoint: `${stub.url}/federation`,
    issuerUrl: 'https://hatrack.example.com/',
    destination: 'https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:',
    ...overrides,
  };
}

async function failure(p: Promise<unknown>): Promise<HatrackError> {
  try {
    await p;
  } catch (e) {
    if (isHatrackError(e)) return e;
    throw e;
  }
  throw new Error('expected a HatrackError');
}

function secretsAbsent(e: HatrackError): void {
  const text = `${e.message} ${e.detail ?? ''}`;
  for (const secret of [TOKEN, creds.secretAccessKey, creds.sessionToken, creds.accessKeyId]) expect(text).not.toContain(secret);
}

describe('consoleSigninUrl', () => {
  it('asks getSigninToken with the session JSON and no SessionDuration by default', async () => {
    await consoleSigninUrl(creds, settings());
    expect(stub.seen).toHaveLength(1);
    const req = stub.seen[0]!;
    expect(req.method).toBe('GET');
    const url = new URL(req.url, stub.url);
    expect(url.pathname).toBe('/federation');
    expect(url.searchParams.get('Action')).toBe('getSigninToken');
    expect(url.searchParams.has('SessionDuration')).toBe(false);
    expect(JSON.parse(url.searchParams.get('Session')!)).toEqual({
      sessionId: creds.accessKeyId,
      sessionKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
    });
  });

  it('sends SessionDuration when given', async () => {
    await consoleSigninUrl(creds, settings({ sessionDuration: 43200 }));
    expect(new URL(stub.seen[0]!.url, stub.url).searchParams.get('SessionDuration')).toBe('43200');
  });

  it('returns the Action=login URL with Issuer, Destination and SigninToken', async () => {
    const url = new URL(await consoleSigninUrl(creds, settings()));
    expect(`${url.origin}${url.pathname}`).toBe(`${stub.url}/federation`);
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('Issuer')).toBe('https://hatrack.example.com/');
    expect(url.searchParams.get('Destination')).toBe('https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:');
    expect(url.searchParams.get('SigninToken')).toBe(TOKEN);
    expect([...url.searchParams.keys()].sort()).toEqual(['Action', 'Destination', 'Issuer', 'SigninToken']);
  });

  it('works with an injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ SigninToken: 'tok' }), { status: 200 });
    }) as typeof fetch;
    const url = await consoleSigninUrl(creds, settings({ federationEndpoint: 'https://signin.aws.amazon.com/federation' }), fakeFetch);
    expect(calls[0]).toMatch(/^https:\/\/signin\.aws\.amazon\.com\/federation\?Action=getSigninToken&Session=/);
    expect(url).toMatch(/^https:\/\/signin\.aws\.amazon\.com\/federation\?Action=login&Issuer=.*&SigninToken=tok$/);
  });

  it('answers 502 federation_failed when AWS refuses the credentials (HTTP 400)', async () => {
    reply = { status: 400, body: `<html>Bad request for ${creds.sessionToken}</html>` };
    const e = await failure(consoleSigninUrl(creds, settings()));
    expect(e.code).toBe('federation_failed');
    expect(e.status).toBe(502);
    expect(e.detail).toContain('HTTP 400');
    secretsAbsent(e);
  });

  it.each([
    ['not JSON', 'Signin token: nope'],
    ['JSON without a SigninToken', '{"Error":"x"}'],
    ['an empty SigninToken', '{"SigninToken":""}'],
    ['a SigninToken that is not a string', '{"SigninToken":42}'],
  ])('answers 502 federation_bad_response for %s', async (_, body) => {
    reply = { status: 200, body };
    const e = await failure(consoleSigninUrl(creds, settings()));
    expect(e.code).toBe('federation_bad_response');
    expect(e.status).toBe(502);
    secretsAbsent(e);
  });

  it('answers 503 quickly when the federation endpoint cannot be reached', async () => {
    const port = await closedPort();
    const started = Date.now();
    const e = await failure(consoleSigninUrl(creds, settings({ federationEndpoint: `http://127.0.0.1:${port}/federation` })));
    expect(e.code).toBe('federation_unreachable');
    expect(e.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
    secretsAbsent(e);
  });

  it('answers 503 within the timeout when the federation endpoint never answers', async () => {
    const silent = await startStub(() => { /* never responds */ });
    try {
      const started = Date.now();
      const e = await failure(consoleSigninUrl(creds, settings({ federationEndpoint: `${silent.url}/federation`, timeoutMs: 300 })));
      expect(e.code).toBe('federation_unreachable');
      expect(e.detail).toContain('timed out');
      expect(Date.now() - started).toBeLessThan(2000);
      secretsAbsent(e);
    } finally {
      await silent.close();
    }
  });

  it('rejects settings that are not http(s) URLs or a SessionDuration out of range, without a request', async () => {
    expect((await failure(consoleSigninUrl(creds, settings({ destination: 'javascript:alert(1)' })))).code).toBe('federation_invalid_settings');
    expect((await failure(consoleSigninUrl(creds, settings({ federationEndpoint: 'file:///etc/passwd' })))).code).toBe('federation_invalid_settings');
    expect((await failure(consoleSigninUrl(creds, settings({ sessionDuration: 60 })))).code).toBe('federation_invalid_settings');
    expect(stub.seen).toHaveLength(0);
  });
});
