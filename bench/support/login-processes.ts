// The driver's side of the login benchmark's other processes: forking the children (broker,
// stand-in, provider) and asking them over IPC, a redis-server of the run's own, and the list of
// what must be stopped and removed when the run ends, however it ends.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { Cleanup, freePort, terminate, waitForExit } from './processes.ts';

export { Cleanup, freePort };

function lastLines(path: string, n: number, keep: (line: string) => boolean = () => true): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').filter(keep).slice(-n).map((line) => line.slice(0, 400)).join('\n');
  } catch {
    return '(no log)';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/** A forked child process of the benchmark, asked over IPC (see login-child-ipc.ts). */
export class BenchChild {
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly logPath: string;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: string | undefined;

  private constructor(name: string, child: ChildProcess, logPath: string) {
    this.name = name;
    this.child = child;
    this.logPath = logPath;
    child.on('message', (raw) => {
      const m = raw as { id: number; ok: boolean; value?: unknown; error?: string };
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) waiting?.resolve(m.value);
      else waiting?.reject(new Error(`${name}: ${m.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = `${name} exited (code ${code}, signal ${signal}); the end of its log:\n${lastLines(logPath, 15)}`;
      for (const p of this.pending.values()) p.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /**
   * Forks `modulePath` with this Node, its stdout and stderr going to `<logDir>/<name>.log`, and
   * registers its stop with `cleanup`.
   */
  static fork(name: string, modulePath: string, options: { logDir: string; cleanup: Cleanup; execArgv?: string[] }): BenchChild {
    const logPath = join(options.logDir, `${name}.log`);
    const log = openSync(logPath, 'a');
    const child = fork(modulePath, [], { execArgv: options.execArgv ?? [], stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    const handle = new BenchChild(name, child, logPath);
    options.cleanup.add(() => handle.stop());
    return handle;
  }

  ask<T>(type: string, payload?: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, type, payload });
    });
  }

  /** The last lines the child wrote to its log. */
  logTail(lines: number): string {
    return lastLines(this.logPath, lines);
  }

  /** The last warnings and errors in the child's log (pino's JSON lines), or any line that is not JSON. */
  logProblems(lines: number): string {
    return lastLines(this.logPath, lines, (line) => !line.startsWith('{') || /"level":"(warn|error|fatal)"/.test(line));
  }

  /** The child's process.cpuUsage(), user + system, in milliseconds. */
  async cpuMs(): Promise<number> {
    const usage = await this.ask<NodeJS.CpuUsage>('cpu');
    return (usage.user + usage.system) / 1000;
  }

  /** Asks the child to close its servers and exit (so a --cpu-prof profile is written); kills it if it does not. */
  async stop(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    void this.ask('stop').catch(() => undefined);
    if (!(await waitForExit(this.child, 5000))) await terminate(this.child, 2000);
  }
}

export interface RedisUsage {
  /** used_cpu_user + used_cpu_sys (INFO cpu), in milliseconds. */
  cpuMs: number;
  /** total_commands_processed (INFO stats), the driver's own two INFO commands of each reading included. */
  commands: number;
}

export interface BenchRedis {
  url: string;
  usage(): Promise<RedisUsage>;
}

/** What the driver asks its Redis: INFO, and to close. */
interface InfoClient {
  info(section: string): Promise<unknown>;
  close(): Promise<unknown>;
}

async function connectWhenUp(url: string, withinMs: number): Promise<InfoClient> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer at ${url}: ${e instanceof Error ? e.message : e}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A redis-server of this run on a free port, without persistence, stopped by `cleanup`. */
export async function startRedis(dir: string, cleanup: Cleanup): Promise<BenchRedis> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const spawned = new Promise<void>((resolve, reject) => {
    server.once('spawn', resolve);
    server.once('error', reject);
  });
  cleanup.add(() => terminate(server, 3000));
  await spawned;
  const url = `redis://127.0.0.1:${port}`;
  const client = await connectWhenUp(url, 5000);
  cleanup.add(async () => {
    await client.close().catch(() => undefined);
  });
  return {
    url,
    async usage() {
      const info = `${await client.info('cpu')}\n${await client.info('stats')}`;
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
      return { cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000, commands: field('total_commands_processed') };
    },
  };
}
