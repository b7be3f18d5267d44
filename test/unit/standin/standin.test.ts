// createAwsStandin as a whole: its own port or mounted in-process, and what it writes to the log.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, test } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { memoryLogger } from '../../../src/log.ts';
import { createAwsStandin } from '../../../src/dev/aws-standin/index.ts';
import {
  NOW, PROVIDER_ARN, ROLE_ARN, assumeParams, credentialsOf, makeKey, metadataXml, postSts, signedResponse, b64,
  type TestKey,
} from './helpers.ts';
import { sdkSigned, send } from './sdk-signer.ts';

let key: TestKey;

beforeAll(async () => {
  key = await makeKey();
});

describe('createAwsStandin', () => {
  test('listen(0) picks a free port on 127.0.0.1 and close() stops serving', async () => {
    const standin = createAwsStandin({ clock: new FixedClock(NOW) });
    const { url } = await standin.listen(0);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    await standin.close();
    await expect(fetch(`${url}/nothing`)).rejects.toThrow();
  });

  test('refuses to listen twice', async () => {
    const standin = createAwsStandin();
    await standin.listen(0);
    try {
      await expect(standin.listen(0)).rejects.toThrow(/already listening/);
    } finally {
      await standin.close();
    }
  });

  test('its handler serves STS when mounted in another node:http server', async () => {
    const standin = createAwsStandin({ clock: new FixedClock(NOW) });
    standin.registerSamlProvider(PROVIDER_ARN, metadataXml({ certs: [key.cert] }));
    standin.registerRole(ROLE_ARN);
    const server = createServer(standin.handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answer = await postSts(url, assumeParams(signedResponse(key)));
      expect(answer.status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('verifies signatures over the full path when mounted under a prefix (Express-style originalUrl)', async () => {
    const clock = new FixedClock(NOW);
    const standin = createAwsStandin({ clock });
    standin.registerSamlProvider(PROVIDER_ARN, metadataXml({ certs: [key.cert] }));
    standin.registerRole(ROLE_ARN);
    const server = createServer((req, res) => {
      // What Express does for app.use('/aws', handler): strip the mount path, keep originalUrl.
      Object.assign(req, { originalUrl: req.url });
      req.url = (req.url ?? '').replace(/^\/aws/, '') || '/';
      standin.handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const issued = await postSts(`http://${host}/aws`, assumeParams(signedResponse(key)));
      const creds = credentialsOf(issued.body);
      const req = await sdkSigned({
        ...creds, host, date: NOW, path: '/aws/',
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      });
      const res = await send(`http://${host}`, req);
      expect(res.status, res.body).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('writes no secret, session token, sign-in token or assertion to its log', async () => {
    const log = memoryLogger('debug');
    const standin = createAwsStandin({ clock: new FixedClock(NOW), log });
    standin.registerSamlProvider(PROVIDER_ARN, metadataXml({ certs: [key.cert] }));
    standin.registerRole(ROLE_ARN);
    const { url } = await standin.listen(0);
    try {
      const xml = signedResponse(key);
      const answer = await postSts(url, assumeParams(xml));
      const creds = credentialsOf(answer.body);
      await postSts(url, assumeParams(xml)); // a refused replay is logged too
      const session = JSON.stringify({ sessionId: creds.accessKeyId, sessionKey: creds.secretAccessKey, sessionToken: creds.sessionToken });
      const tokenRes = await fetch(`${url}/federation?${new URLSearchParams({ Action: 'getSigninToken', Session: session })}`);
      const { SigninToken } = (await tokenRes.json()) as { SigninToken: string };
      await fetch(`${url}/federation?${new URLSearchParams({ Action: 'login', Destination: 'https://console.aws.amazon.com/', SigninToken })}`, { redirect: 'manual' });

      const all = log.lines.join('\n');
      expect(log.lines.length).toBeGreaterThan(3);
      for (const secret of [creds.secretAccessKey, creds.sessionToken, SigninToken, b64(xml).slice(0, 40)]) {
        expect(all).not.toContain(secret);
      }
    } finally {
      await standin.close();
    }
  });
});
