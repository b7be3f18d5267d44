// Stopping: no new connections, the requests in flight finish (within a bound), /readyz says so
// while draining, and `hatrack serve` does all this on SIGTERM and exits 0.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testKeys } from '../../support/saml/test-idp.ts';
import { startTestBroker } from '../../support/test-broker.ts';

/** A POST whose headers are sent now and whose body is sent by `finish()`; resolves with the raw answer. */
function slowPost(host: string, port: number, path: string, body: string): { finish(): void; answer: Promise<string>; socket: Socket } {
  const socket = connect(port, host);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
  let text = '';
  const answer = new Promise<string>((done) => {
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => done(text));
    socket.on('error', () => done(text));
  });
  return { finish: () => socket.write(body), answer, socket };
}

const tokenPoll = new URLSearchParams({ client_id: 'hatrack-cli', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x'.repeat(43) }).toString();

describe('stopping', () => {
  it('lets a request in flight finish, refuses new connections, then closes', async () => {
    const broker = await startTestBroker(await testKeys());
    const { hostname, port } = new URL(broker.listenUrl);
    const inFlight = slowPost(hostname, Number(port), '/oauth/token', tokenPoll);
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    const closing = broker.hatrack.close({ graceMs: 10_000 }).then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(closed, 'close waits for the request in flight').toBe(false);
    await expect(fetch(`${broker.listenUrl}/healthz`)).rejects.toThrow();
    inFlight.finish();
    const answer = await inFlight.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"error":"invalid_grant"');
    await closing;
    await broker.stop();
  });

  it('says "not ready" while it still serves, before it refuses connections', async () => {
    const broker = await startTestBroker(await testKeys());
    const closing = broker.hatrack.close({ notReadyMs: 500 });
    await new Promise((r) => setTimeout(r, 100));
    const ready = await fetch(`${broker.listenUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ reason: 'shutting down' });
    expect((await fetch(`${broker.listenUrl}/healthz`)).status).toBe(200);
    await closing;
    await expect(fetch(`${broker.listenUrl}/healthz`)).rejects.toThrow();
    await broker.stop();
  });

  it('cuts a request that does not finish within the grace period', async () => {
    const broker = await startTestBroker(await testKeys());
    const { hostname, port } = new URL(broker.listenUrl);
    const stuck = slowPost(hostname, Number(port), '/oauth/token', tokenPoll);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await broker.hatrack.close({ graceMs: 300 });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await stuck.answer).toBe('');
    await broker.stop();
  });

  it('hatrack serve drains on SIGTERM: the request in flight is answered, then it exits 0', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const child = spawn(process.execPath, [resolve('bin/hatrack.js'), 'serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      // Its own folder: the demo generates its keys in the working directory.
      cwd: mkdtempSync(join(tmpdir(), 'hatrack-serve-')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => (log += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // The demo starts several servers: on a busy machine that takes a while.
    for (let i = 0; i < 900 && !log.includes('"msg":"listening"'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(log, log).toContain('"msg":"listening"');
    // The demo's servers are on the next ports; wait until the broker answers.
    await fetch(`http://127.0.0.1:${port}/healthz`);
    const inFlight = slowPost('127.0.0.1', port, '/oauth/token', tokenPoll);
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    inFlight.finish();
    expect(await inFlight.answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(await exited).toBe(0);
    expect(log).toContain('shutting down: not ready, then no new connections, finishing the requests in flight');
    expect(log).toContain('"msg":"stopped"');
  }, 90_000);
});
