// Redis as it is run for real, started for a test file: a Cluster of three primaries with a
// replica each (`redis-server --cluster-enabled yes`, joined by `redis-cli --cluster create`), and
// Sentinel (one primary, one replica, one sentinel: `redis-server --sentinel`). Every server runs
// in a temp directory on a free port and keeps nothing on disk; `failPrimary` kills a primary so
// that the cluster or the sentinel fails over to its replica.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  port: number;
  pid: number;
}

async function startServer(dir: string, port: number, args: string[]): Promise<Server> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--logfile', join(dir, `redis-${port}.log`), ...args], { stdio: 'ignore', detached: false });
  child.unref();
  for (let i = 0; i < 100; i++) {
    if (await cli(port, 'PING').then((r) => r === 'PONG', () => false)) return { port, pid: child.pid! };
    await sleep(50);
  }
  throw new Error(`redis-server on ${port} did not start (see ${dir})`);
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
  return stdout.trim();
}

function kill(server: Server): void {
  try {
    process.kill(server.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export interface RedisCluster {
  /** Some nodes' URLs, as the configuration names them. */
  nodes: string[];
  /** Kills the primary that holds `key`'s slot; resolves once its replica has taken over. */
  failPrimaryOf(key: string): Promise<void>;
  stop(): Promise<void>;
}

/** Six free ports for a cluster, the first three its primaries' (to point a store at before it starts). */
export async function clusterPorts(): Promise<number[]> {
  return Promise.all(Array.from({ length: 6 }, () => freePort()));
}

export async function startRedisCluster(ports?: number[]): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-redis-cluster-'));
  ports ??= await clusterPorts();
  const servers = await Promise.all(ports.map((p) => startServer(dir, p, [
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--cluster-node-timeout', '1000',
    // A replica may take over however long it has been apart from its primary: this cluster only runs for a test.
    '--cluster-replica-validity-factor', '0',
  ])));
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
  for (let i = 0; i < 200; i++) {
    const infos = await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO').catch(() => '')));
    if (infos.every((info) => info.includes('cluster_state:ok'))) break;
    await sleep(100);
  }
  return {
    nodes: ports.slice(0, 3).map((p) => `redis://127.0.0.1:${p}`),
    async failPrimaryOf(key) {
      const slot = Number(await cli(ports![0]!, 'CLUSTER', 'KEYSLOT', key));
      /** The live primary serving `slot`, as `port`, from a node's view. */
      const primaryOf = async (asking: number): Promise<number | undefined> => {
        const nodes = await cli(asking, 'CLUSTER', 'NODES').catch(() => '');
        const line = nodes.split('\n').find((l) => {
          const fields = l.split(' ');
          return fields[2]!.includes('master') && !fields[2]!.includes('fail') && fields.slice(8).some((range) => {
            const [from, to = from] = range.split('-').map(Number);
            return slot >= from! && slot <= to!;
          });
        });
        return line === undefined ? undefined : Number(line.split(' ')[1]!.split(':')[1]!.split('@')[0]);
      };
      const port = (await primaryOf(ports[0]!))!;
      kill(servers.find((s) => s.port === port)!);
      const other = ports.find((p) => p !== port)!;
      for (let i = 0; i < 300; i++) {
        const now = await primaryOf(other);
        const state = await cli(other, 'CLUSTER', 'INFO').catch(() => '');
        if (now !== undefined && now !== port && state.includes('cluster_state:ok')) return;
        await sleep(100);
      }
      throw new Error('the cluster did not fail over');
    },
    async stop() {
      servers.forEach(kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisSentinel {
  name: string;
  /** `host:port` of the sentinel. */
  sentinels: string[];
  /** Kills the primary; resolves once the sentinel has promoted the replica. */
  failPrimary(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisSentinel(): Promise<RedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-redis-sentinel-'));
  const [pPrimary, pReplica, pSentinel] = [await freePort(), await freePort(), await freePort()];
  const servers = new Map<number, Server>([
    [pPrimary!, await startServer(dir, pPrimary!, [])],
    [pReplica!, await startServer(dir, pReplica!, ['--replicaof', '127.0.0.1', String(pPrimary)])],
  ]);
  const name = 'hatrack';
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [
    `port ${pSentinel}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${pPrimary} 1`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 3000`, '',
  ].join('\n'));
  const child = spawn('redis-server', [conf, '--sentinel', '--logfile', join(dir, 'sentinel.log')], { stdio: 'ignore' });
  child.unref();
  const sentinel = { port: pSentinel!, pid: child.pid! };
  const primaryPort = async () => Number((await cli(pSentinel!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name).catch(() => '')).split('\n')[1] ?? 0);
  const dead: number[] = [];
  const hasReplica = async (port: number) => (await cli(port, 'INFO', 'replication').catch(() => '')).includes('connected_slaves:1');
  for (let i = 0; i < 100 && !(await primaryPort() === pPrimary && await hasReplica(pPrimary!)); i++) await sleep(100);
  return {
    name,
    sentinels: [`127.0.0.1:${pSentinel}`],
    async failPrimary() {
      // A primary killed before comes back first: the sentinel makes it a replica, to fail over to.
      for (const port of dead.splice(0)) servers.set(port, await startServer(dir, port, []));
      for (let j = 0; j < 100 && !(await hasReplica(await primaryPort())); j++) await sleep(100);
      const old = await primaryPort();
      kill(servers.get(old)!);
      dead.push(old);
      for (let i = 0; i < 200; i++) {
        const now = await primaryPort();
        if (now !== 0 && now !== old) return;
        await sleep(100);
      }
      throw new Error('the sentinel did not fail over');
    },
    async stop() {
      [...servers.values(), sentinel].forEach(kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
