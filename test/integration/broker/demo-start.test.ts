// A request that reaches the demo while it starts — its port is bound first, because every URL of
// the configuration is derived from it — waits and is answered once Hatrack is ready, instead of
// hanging for ever (found by probing a starting demo). And a held request of a start that fails
// is answered 503.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startDemo, type RunningDemo } from '../../../src/dev/demo.ts';
import { holdRequests } from '../../../src/http/held-requests.ts';
import { memoryLogger } from '../../../src/log.ts';

const dirs: string[] = [];
const demos: RunningDemo[] = [];
afterAll(async () => {
  for (const d of demos) await d.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function listenOn(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** A port whose next three are free too: the demo puts its other servers there. */
async function freeRunOfFour(): Promise<number> {
  for (;;) {
    const servers = [createServer()];
    const port = await listenOn(servers[0]!);
    const ok = await Promise.all([1, 2, 3].map(async (i) => {
      const s = createServer();
      servers.push(s);
      return listenOn(s, port + i).then(() => true, () => false);
    }));
    await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
    if (ok.every(Boolean)) return port;
  }
}

/** GET `path`; the status, or why there was none ('refused' before the port is bound, 'timeout' for a hang). */
function probe(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 20_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code ?? e.message));
    req.end();
  });
}

describe('a starting demo', () => {
  it('answers the requests that arrived while it started, once it is ready', async () => {
    const port = await freeRunOfFour();
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-demo-start-'));
    dirs.push(dir);
    let started = false;
    const starting = startDemo({ port, host: '127.0.0.1', log: memoryLogger('warn'), baseDir: dir }).then((d) => {
      started = true;
      demos.push(d);
      return d;
    });
    const answers: Array<Promise<number | string>> = [];
    while (!started) {
      answers.push(probe(port, '/healthz'), probe(port, '/'));
      await new Promise((r) => setTimeout(r, 15));
    }
    await starting;
    const results = await Promise.all(answers);
    const answered = results.filter((r) => r !== 'refused');
    expect(answered.length, 'some requests arrived while the demo was starting').toBeGreaterThan(0);
    expect([...new Set(answered)].sort()).toEqual([200]);
  }, 60_000);
});

describe('holdRequests', () => {
  it('hands held requests to the handler once released; a failed start answers them 503', async () => {
    const server = createServer();
    const port = await listenOn(server);
    const held = holdRequests(server);
    const first = probe(port, '/a');
    await new Promise((r) => setTimeout(r, 100));
    held.release((req, res) => res.end(req.url));
    expect(await first).toBe(200);
    expect(await probe(port, '/b')).toBe(200);
    await new Promise((r) => server.close(r));

    const failing = createServer();
    const other = await listenOn(failing);
    const refused = holdRequests(failing);
    const waiting = probe(other, '/');
    await new Promise((r) => setTimeout(r, 100));
    refused.refuse();
    expect(await waiting).toBe(503);
    expect(await probe(other, '/')).toBe(503);
    failing.closeAllConnections();
    await new Promise((r) => failing.close(r));
  });
});
