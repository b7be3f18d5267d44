// An extra redis-server for fault tests: started on a free port in a temp directory, killed,
// paused and restarted on the same port, so that a test can take Redis away from a store and
// give it back. The suite-wide server from global-setup.ts is never touched.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:port`, or `rediss://…` for a TLS server. */
  readonly url: string;
  /** (Re)starts the server on its port; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL, like a crash; resolves once the port refuses connections. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Kills the server (if running) and removes its directory. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A server on `port` (a free one when omitted). With `started: false` it is only prepared, so a
 * test can point a store at a port where nothing listens yet and start Redis later. `extraArgs`
 * go to redis-server as they are (e.g. `--requirepass`).
 */
export async function redisServer(
  options: { port?: number; started?: boolean; tls?: TlsFiles; extraArgs?: string[] } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-redis-fault-'));
  const pidFile = join(dir, 'pid');
  const tls = options.tls;
  let pid: number | undefined;

  const args = [
    ...(tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key,
          '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']
      : ['--port', String(port)]),
    '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
    '--dir', dir, '--pidfile', pidFile, '--logfile', join(dir, 'redis.log'),
    ...(options.extraArgs ?? []),
  ];

  const server: RedisServer = {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    async start() {
      if (existsSync(pidFile)) rmSync(pidFile);
      const child = spawn('redis-server', args, { stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      if (code !== 0) throw new Error(`redis-server exited with ${code}`);
      for (let i = 0; i < 100; i++) {
        if (existsSync(pidFile) && (await answersPing(port, !!tls))) {
          pid = Number(readFileSync(pidFile, 'utf8').trim());
          return;
        }
        await sleep(50);
      }
      const log = existsSync(join(dir, 'redis.log')) ? readFileSync(join(dir, 'redis.log'), 'utf8').slice(-2000) : '';
      // Do not leave a half-started server behind.
      if (existsSync(pidFile)) {
        try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* gone */ }
      }
      throw new Error(`redis-server on port ${port} did not answer PING\n${log}`);
    },
    async kill() {
      if (pid === undefined) return;
      try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      pid = undefined;
      // A daemonised server may linger as a zombie; what matters is that its port is closed.
      for (let i = 0; i < 100 && (await accepts(port)); i++) await sleep(20);
    },
    pause() {
      if (pid !== undefined) process.kill(pid, 'SIGSTOP');
    },
    resume() {
      if (pid !== undefined) process.kill(pid, 'SIGCONT');
    },
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.started !== false) {
    try {
      await server.start();
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  return server;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(200);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function answersPing(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(300);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // A server that wants a password answers -NOAUTH: it is up all the same.
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

/**
 * A TCP proxy in front of a server that can go silent the way a half-open connection does after
 * a network partition or a failover: the sockets stay open, bytes simply stop arriving. Only
 * connections open at the time of `silenceExisting()` are affected; `silenceNew` makes later
 * connections silent from the start (the TCP connect succeeds, nothing ever answers).
 */
export interface SilentProxy {
  readonly port: number;
  readonly url: string;
  /** Connections made so far. */
  readonly connections: number;
  silenceExisting(): void;
  silenceNew: boolean;
  close(): Promise<void>;
}

export async function silentProxy(targetPort: number): Promise<SilentProxy> {
  const pairs: Array<{ client: Socket; upstream: Socket; silent: boolean }> = [];
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect({ port: targetPort, host: '127.0.0.1' });
    const pair = { client, upstream, silent: proxy.silenceNew };
    pairs.push(pair);
    client.on('data', (d) => { if (!pair.silent) upstream.write(d); });
    upstream.on('data', (d) => { if (!pair.silent) client.write(d); });
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const proxy: SilentProxy = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() { return connections; },
    silenceNew: false,
    silenceExisting() {
      for (const pair of pairs) pair.silent = true;
    },
    async close() {
      for (const { client, upstream } of pairs) { client.destroy(); upstream.destroy(); }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
