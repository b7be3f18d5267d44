// The processes a benchmark runs beside itself, and their clean-up: servers under test as child
// processes of this one (forked Node scripts that report `ready` over IPC and answer `usage`
// requests with their CPU time and memory), a private redis-server on a free port, temporary
// directories, and one place that undoes all of it — at the end of the run, when it fails, and
// on Ctrl-C (the shared pieces are processes.ts). Used by bench/device-poll.ts and bench/memory.ts.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Cleanup, freePort, terminate } from './processes.ts';

export { Cleanup, freePort };

/**
 * How a child collects garbage before it reports its memory: `regular` is a full collection as
 * gc() makes it (V8 keeps the pages it freed, for reuse); `last-resort` collects all it can and
 * gives V8's pooled pages back to the system, as V8 does under memory pressure.
 */
export type GcFlavor = 'regular' | 'last-resort';

/** What a child server says over IPC: `ready` once, then one `usage` per request. */
export type ChildMessage =
  | { type: 'ready'; port: number; [detail: string]: unknown }
  | { type: 'usage'; id: number; cpuMicros: number; rss: number; heapTotal: number; heapUsed: number; external: number };

export interface Usage {
  /** User + system CPU of the child since it started, in microseconds. */
  cpuMicros: number;
  rss: number;
  /** V8's heap as committed, and the part of it live objects use. */
  heapTotal: number;
  heapUsed: number;
  /** Memory of objects outside the V8 heap that it accounts for (Buffers and the like). */
  external: number;
}


/** The last `max` characters a child wrote to stderr, to explain a failure. */
function stderrTail(child: ChildProcess, max = 4000): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-max);
  });
  return () => tail;
}

export class ChildServer {
  readonly name: string;
  readonly ready: Extract<ChildMessage, { type: 'ready' }>;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #stderr: () => string;
  #nextId = 0;

  constructor(name: string, child: ChildProcess, ready: Extract<ChildMessage, { type: 'ready' }>, stderr: () => string) {
    this.name = name;
    this.#child = child;
    this.ready = ready;
    this.pid = child.pid!;
    this.#stderr = stderr;
  }

  get port(): number {
    return this.ready.port;
  }

  /** The child's CPU time and memory; with `gc`, measured after forced garbage collections (needs --expose-gc). */
  usage(options: { gc?: GcFlavor } = {}): Promise<Usage> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not answer a usage request\n${this.#stderr()}`)), 30_000);
      const onMessage = (m: ChildMessage) => {
        if (m.type !== 'usage' || m.id !== id) return;
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        resolve({ cpuMicros: m.cpuMicros, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external });
      };
      this.#child.on('message', onMessage);
      this.#child.send({ type: 'usage', id, ...(options.gc && { gc: options.gc }) });
    });
  }

  stderr(): string {
    return this.#stderr();
  }

  stop(): Promise<void> {
    return terminate(this.#child);
  }
}

/**
 * Forks `script` (a .ts file Node runs as is) with `env` added to this process's environment and
 * waits for its `ready` message. The child is stopped by `cleanup`, whatever happens.
 */
export async function forkServer(cleanup: Cleanup, name: string, script: string, options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Promise<ChildServer> {
  const child = fork(script, [], {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    // stdout (Hatrack's audit trail) is dropped; stderr is kept for error messages.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  cleanup.add(() => terminate(child));
  const stderr = stderrTail(child);
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s\n${stderr()}`)), 60_000);
    child.on('message', (m: ChildMessage) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready\n${stderr()}`));
    });
  });
  return new ChildServer(name, child, ready, stderr);
}

export interface RedisProcess {
  url: string;
  pid: number;
}

/** A private redis-server (no persistence) on a free port, in its own temporary directory. */
export async function startRedis(cleanup: Cleanup): Promise<RedisProcess> {
  const dir = cleanup.tempDir('hatrack-bench-redis-');
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.add(() => terminate(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be started (is the redis-server package installed?): ${e.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code})\n${output}`));
    });
  });
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid! };
}

/** User + system CPU of any process on this machine (Linux /proc), in microseconds. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  return (ticks / 100) * 1e6; // USER_HZ is 100 on Linux
}
