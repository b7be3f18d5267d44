// The shared Store: Redis through node-redis v6, so that any number of broker processes share
// login state (ARCHITECTURE.md "Scale-out", SECURITY.md R6). The only file that imports `redis`.
//
// Atomicity (SECURITY.md R2/R4): setIfAbsent is SET NX PX, consume is GETDEL, increment is one
// Lua script (INCR, then PEXPIRE only when the counter is new), touch is PEXPIRE. Nothing is ever
// read and then written in two round trips.
//
// Faults (SECURITY.md R1): every call settles within `commandTimeoutMs`.
// - `disableOfflineQueue: true`: while the connection is down a call is refused at once
//   (ClientOfflineError) instead of waiting in an unbounded queue for Redis to come back.
// - node-redis' own command timeout (`commandOptions.timeout`) only covers a command that has not
//   been written to the socket yet, so each call also races a deadline of its own: a Redis that
//   accepts the command but never answers (paused, overloaded, a half-open connection) cannot
//   hold a request longer than the deadline.
// - `commandsQueueMaxLength` bounds what may pile up on a connection that stopped answering.
// - Reconnection never gives up: exponential backoff from 50 ms, capped at `maxReconnectDelayMs`,
//   with jitter, so service resumes by itself when Redis returns. A connection that has stopped
//   answering while still looking open (no reply since a call that then timed out, or a
//   handshake that never completes) is replaced by a fresh client, which also re-resolves DNS
//   after a managed-Redis failover.
// - The client's 'error' events are always handled: logged once per outage (with how many
//   followed) and once more when the store is back, never a crash, never a flood.
// - The connection is made in the background: a store created while Redis is down answers 503
//   until Redis is up, and the process does not crash.
// Every error is a HatrackError `store_unavailable` (503), except a reply that is a bug rather
// than an outage (e.g. WRONGTYPE), which is `store_error` (500). Keys and values are never logged.
//
// Three ways to reach Redis, one set of operations: one server (`url`, or a managed endpoint in
// front of one), a Redis Cluster (`cluster`: node-redis' createCluster, which follows slots and
// failovers; every command touches one key, so each goes to its slot's primary), or Sentinel
// (`sentinel`: createSentinel, which follows the primary the sentinels elect). For the last two,
// node-redis' own `pingInterval` finds a half-open connection; the replacement of a connection
// that stopped answering below applies to every kind.
import { ClientOfflineError, createClient, createCluster, createSentinel, ErrorReply, TimeoutError } from 'redis';
import type { Logger } from '../log.ts';
import type { LogEntry, Store } from './store.ts';
import { HatrackError } from '../errors.ts';
import { checkTtl, describeError, storeRejected, storeUnavailable } from './errors.ts';

/** A Redis Cluster: a few of its nodes (`redis://host:port`); the others are discovered. */
export interface RedisClusterTarget {
  nodes: string[];
}

/** Redis Sentinel: the monitored primary's name and the sentinels to ask for it. */
export interface RedisSentinelTarget {
  name: string;
  sentinels: Array<{ host: string; port: number }>;
  /** The password of the primary and its replicas. */
  password?: string;
  /** The sentinels' own password, when they have one. */
  sentinelPassword?: string;
}

export interface RedisStoreOptions {
  /** One server: `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS. Exactly one of url, cluster and sentinel. */
  url?: string;
  cluster?: RedisClusterTarget;
  sentinel?: RedisSentinelTarget;
  /** Prepended to every key, so that several deployments can share one Redis. */
  keyPrefix?: string;
  /** Upper bound on how long any one call may take before it rejects with `store_unavailable`. */
  commandTimeoutMs?: number;
  /** Upper bound on opening a TCP (and TLS) connection. */
  connectTimeoutMs?: number;
  /** The cap on the reconnect backoff. */
  maxReconnectDelayMs?: number;
  /** Commands that may wait on one connection (written or not) before new ones are refused. */
  maxQueueLength?: number;
  /** Extra trusted CA certificates (PEM) for `rediss://`; the system store is used otherwise. */
  tlsCa?: string | Buffer;
  log: Logger;
}

const DEFAULTS = {
  keyPrefix: 'hatrack:',
  commandTimeoutMs: 1000,
  connectTimeoutMs: 2000,
  maxReconnectDelayMs: 2000,
  maxQueueLength: 10_000,
} as const;

/** INCR, and give the counter its TTL when it is new (or somehow has none): one atomic step. */
const INCREMENT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n`;

/** Error replies that mean "Redis cannot serve right now", as opposed to a bug in the call. */
const OUTAGE_REPLY = /^(LOADING|READONLY|MASTERDOWN|MISCONF|OOM|BUSY|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|NOAUTH|WRONGPASS|NOPERM)\b/;

// The commands are the same on the three kinds of client (one commander); the store is typed
// against the single-server client's.
type Client = ReturnType<typeof createClient>;

type Target =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: string[] }
  | ({ kind: 'sentinel' } & RedisSentinelTarget);

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** The store is returned at once; it connects in the background. */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}

export class RedisStore implements Store {
  readonly #where: Target;
  readonly #prefix: string;
  readonly #commandTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #maxReconnectDelayMs: number;
  readonly #maxQueueLength: number;
  readonly #tlsCa: string | Buffer | undefined;
  readonly #log: Logger;
  /** Where the store points, for log lines: scheme, host and port only — never credentials. */
  readonly #target: string;

  #client: Client;
  #closed = false;
  #everReady = false;
  /** Set while an outage is being reported: when it began and how many failures it has seen. */
  #outage: { since: number; failures: number; replaced: number } | undefined;
  /** When the last call succeeded (performance.now()). */
  #lastSuccessAt = 0;
  /** When the current connection's TCP socket opened and its handshake began, until ready. */
  #handshakeSince: number | undefined;
  #lastRecycleAt = -Infinity;

  constructor(options: RedisStoreOptions) {
    this.#where = targetOf(options);
    this.#target = describeTarget(this.#where);
    this.#prefix = options.keyPrefix ?? DEFAULTS.keyPrefix;
    this.#commandTimeoutMs = positive(options.commandTimeoutMs, DEFAULTS.commandTimeoutMs, 'commandTimeoutMs');
    this.#connectTimeoutMs = positive(options.connectTimeoutMs, DEFAULTS.connectTimeoutMs, 'connectTimeoutMs');
    this.#maxReconnectDelayMs = positive(options.maxReconnectDelayMs, DEFAULTS.maxReconnectDelayMs, 'maxReconnectDelayMs');
    this.#maxQueueLength = positive(options.maxQueueLength, DEFAULTS.maxQueueLength, 'maxQueueLength');
    this.#tlsCa = options.tlsCa;
    this.#log = options.log.child({ component: 'store', backend: 'redis', target: this.#target });
    this.#client = this.#open();
  }

  /** True while the current connection is up and its handshake done. */
  get isReady(): boolean {
    return this.#client.isReady;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = checkTtl(ttlMs, 'redis set');
    await this.#run('set', (c) => c.set(this.#prefix + key, value, { expiration: { type: 'PX', value: ttl } }));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs, 'redis setIfAbsent');
    const reply = await this.#run('setIfAbsent', (c) =>
      c.set(this.#prefix + key, value, { condition: 'NX', expiration: { type: 'PX', value: ttl } }));
    return reply !== null;
  }

  async get(key: string): Promise<string | undefined> {
    const reply = await this.#run('get', (c) => c.get(this.#prefix + key));
    return reply ?? undefined;
  }

  async consume(key: string): Promise<string | undefined> {
    const reply = await this.#run('consume', (c) => c.getDel(this.#prefix + key));
    return reply ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.#run('delete', (c) => c.del(this.#prefix + key));
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const ttl = checkTtl(ttlMs, 'redis increment');
    const reply = await this.#run('increment', (c) =>
      c.eval(INCREMENT_SCRIPT, { keys: [this.#prefix + key], arguments: [String(ttl)] }));
    if (typeof reply !== 'number') throw storeRejected('redis increment: unexpected reply type');
    return reply;
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs, 'redis touch');
    const reply = await this.#run('touch', (c) => c.pExpire(this.#prefix + key, ttl));
    return reply === 1;
  }

  async append(key: string, entry: string, maxLength: number): Promise<void> {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw storeRejected('redis append: maxLength must be a positive integer');
    // Exact trimming: the stream keeps exactly its newest maxLength entries.
    await this.#run('append', (c) => c.xAdd(this.#prefix + key, '*', { entry }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '=', threshold: maxLength } }));
  }

  async readLatest(key: string, count: number, before?: string): Promise<LogEntry[]> {
    // Stream ids are two unsigned 64-bit numbers; anything else names no entry.
    if (before !== undefined && !/^\d{1,19}-\d{1,19}$/.test(before)) return [];
    const reply = await this.#run('readLatest', (c) =>
      c.xRevRange(this.#prefix + key, before === undefined ? '+' : `(${before}`, '-', { COUNT: Math.max(0, count) }));
    return (reply ?? []).map((r) => ({ id: r.id, entry: String(r.message.entry ?? '') }));
  }

  async ping(): Promise<void> {
    await this.#run('ping', (c) => c.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    // Let answered-soon commands finish, but never wait on a Redis that does not answer.
    await withDeadline(client.close(), this.#commandTimeoutMs).catch(() => undefined);
    client.destroy();
  }

  /** A new client, connecting in the background; its events are handled for its whole life. */
  #open(): Client {
    let client: Client;
    // What every connection gets, whichever kind: no offline queue, bounded queues and commands,
    // bounded connects, reconnection with backoff for ever.
    const connection = {
      disableOfflineQueue: true,
      commandsQueueMaxLength: this.#maxQueueLength,
      commandOptions: { timeout: this.#commandTimeoutMs },
      // Redis Enterprise maintenance hints: nothing to gain on plain Redis, one less handshake step.
      maintNotifications: 'disabled' as const,
      socket: {
        connectTimeout: this.#connectTimeoutMs,
        reconnectStrategy: (retries: number) => backoff(retries, this.#maxReconnectDelayMs),
        ...(this.#tlsCa !== undefined ? { ca: this.#tlsCa } : {}),
      },
    };
    const where = this.#where;
    try {
      switch (where.kind) {
        case 'standalone':
          client = createClient({ ...connection, url: where.url });
          break;
        case 'cluster':
          client = createCluster({
            rootNodes: where.nodes.map((url) => ({ url })),
            // The connections to the discovered nodes are made from `defaults` alone: they get
            // the nodes' credentials and TLS from here, not from the URLs.
            defaults: {
              ...connection, ...clusterCredentials(where.nodes), pingInterval: PING_INTERVAL_MS,
              socket: { ...connection.socket, ...(where.nodes[0]!.startsWith('rediss:') && { tls: true as const }) },
            },
            // A node that went away is looked up again soon: its replica may have taken its slots
            // (node-redis waits 5 s by default, longer than a failover takes).
            topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_MS,
          }) as unknown as Client;
          break;
        case 'sentinel':
          client = createSentinel({
            name: where.name,
            sentinelRootNodes: where.sentinels,
            nodeClientOptions: { ...connection, pingInterval: PING_INTERVAL_MS, ...(where.password !== undefined && { password: where.password }) },
            sentinelClientOptions: { socket: connection.socket, ...(where.sentinelPassword !== undefined && { password: where.sentinelPassword }) },
          }) as unknown as Client;
          break;
      }
    } catch (err) {
      // A malformed URL: a configuration error, reported without echoing it (credentials).
      throw new HatrackError('store_config_invalid', 500, 'The session store is misconfigured.',
        `redis: ${err instanceof Error ? redactUrls(err.message, where) : 'invalid options'}`);
    }
    client.on('error', (err: unknown) => this.#onClientError(client, err));
    client.on('connect', () => {
      if (client === this.#client) this.#handshakeSince = performance.now();
    });
    client.on('ready', () => this.#onClientReady(client));
    client.connect().catch((err: unknown) => {
      // A single server's client rejects only when it is closed or replaced while connecting:
      // failures on the way were reported through 'error' and retried by the reconnect strategy.
      // A cluster or sentinel client gives up when none of the nodes it was given answers
      // (RootNodesUnavailableError): a new one tries again, after the backoff.
      if (where.kind === 'standalone' || client !== this.#client || this.#closed) return;
      this.#beginOutage(describeError(err));
      setTimeout(() => {
        if (client !== this.#client || this.#closed) return;
        this.#client = this.#open();
        client.destroy();
      }, backoff(4, this.#maxReconnectDelayMs)).unref();
    });
    return client;
  }

  /** Runs one call against the current client, bounded by the command deadline. */
  async #run<T>(op: string, call: (client: Client) => Promise<T>): Promise<T> {
    if (this.#closed) throw storeUnavailable(`redis ${op}: the store is closed`);
    const client = this.#client;
    const startedAt = performance.now();
    try {
      const result = await withDeadline(call(client), this.#commandTimeoutMs);
      this.#onSuccess(client);
      return result;
    } catch (err) {
      throw this.#onFailure(op, client, startedAt, err);
    }
  }

  #onSuccess(client: Client): void {
    if (client !== this.#client) return;
    this.#lastSuccessAt = performance.now();
    this.#endOutage();
  }

  #onFailure(op: string, client: Client, startedAt: number, err: unknown): HatrackError {
    if (err instanceof HatrackError) return err;
    if (err instanceof ErrorReply && !OUTAGE_REPLY.test(err.message)) {
      return storeRejected(`redis ${op}: ${firstWord(err.message)} reply`, err);
    }
    const reason = describeError(err);
    if (client === this.#client && !this.#closed) {
      // "Offline" alone is no news: either an outage was already reported by the client's
      // 'error' event, or the first connection is still being made.
      if (!(err instanceof ClientOfflineError) || this.#outage) this.#beginOutage(reason);
      const now = performance.now();
      const timedOut = err instanceof DeadlineExceeded || err instanceof TimeoutError;
      const stuckAnswering = timedOut && client.isReady && this.#lastSuccessAt < startedAt;
      const stuckHandshake = !client.isReady && this.#handshakeSince !== undefined &&
        now - this.#handshakeSince > this.#connectTimeoutMs + this.#commandTimeoutMs;
      // A cluster or sentinel client holds many connections and finds a dead one by its own
      // pings (pingInterval); replacing it for one slow node would fail the calls to the others.
      if (this.#where.kind === 'standalone' && (stuckAnswering || stuckHandshake) && now - this.#lastRecycleAt > this.#connectTimeoutMs + this.#commandTimeoutMs) {
        this.#recycle(stuckAnswering ? 'no answer on an open connection' : 'connection handshake not completing');
      }
    }
    return storeUnavailable(`redis ${op}: ${reason}`, err);
  }

  /**
   * Replaces a connection that looks open but does not answer; its pending calls fail now.
   * Logged as a warning once per outage; later replacements in the same outage are counted.
   */
  #recycle(why: string): void {
    this.#lastRecycleAt = performance.now();
    if (this.#outage && this.#outage.replaced > 0) this.#log.debug('redis connection replaced', { reason: why });
    else this.#log.warn('redis connection replaced', { reason: why });
    if (this.#outage) this.#outage.replaced++;
    const old = this.#client;
    this.#handshakeSince = undefined;
    this.#client = this.#open();
    old.destroy();
  }

  #onClientError(client: Client, err: unknown): void {
    if (client !== this.#client || this.#closed) return;
    this.#handshakeSince = undefined;
    this.#beginOutage(describeError(err));
  }

  #onClientReady(client: Client): void {
    if (client !== this.#client) return;
    this.#handshakeSince = undefined;
    if (!this.#everReady) {
      this.#everReady = true;
      this.#log.info('redis store connected');
    }
    this.#endOutage();
  }

  #beginOutage(reason: string): void {
    if (this.#outage) {
      this.#outage.failures++;
      return;
    }
    this.#outage = { since: performance.now(), failures: 1, replaced: 0 };
    this.#log.warn('redis store unavailable; calls fail with 503 until it is back', { reason });
  }

  #endOutage(): void {
    if (!this.#outage) return;
    const { since, failures, replaced } = this.#outage;
    this.#outage = undefined;
    this.#log.info('redis store available again', { downForMs: Math.round(performance.now() - since), failures, replacedConnections: replaced });
  }
}

/** Exponential from 50 ms, capped, with up to 100 ms of jitter so that brokers do not stampede. */
function backoff(retries: number, capMs: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 16), capMs) + Math.floor(Math.random() * 100);
}

/** Settles like `promise`, or rejects with DeadlineExceeded after `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
  });
  // Promise.race subscribes to both, so a late rejection of `promise` is never unhandled.
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new HatrackError('store_config_invalid', 500, 'The session store is misconfigured.', `redis: ${name} must be a positive number`);
  }
  return value;
}

/** node-redis' ping of an idle connection, for cluster and sentinel clients (half-open detection). */
const PING_INTERVAL_MS = 5000;

/** How soon after a cluster node's connection drops the cluster's slots are read again. */
const TOPOLOGY_REFRESH_MS = 250;

function misconfigured(detail: string): HatrackError {
  return new HatrackError('store_config_invalid', 500, 'The session store is misconfigured.', `redis: ${detail}`);
}

function targetOf(options: RedisStoreOptions): Target {
  const given = [options.url, options.cluster, options.sentinel].filter((t) => t !== undefined).length;
  if (given !== 1) throw misconfigured('give exactly one of url, cluster and sentinel');
  if (options.url !== undefined) return { kind: 'standalone', url: options.url };
  if (options.cluster !== undefined) {
    if (options.cluster.nodes.length === 0) throw misconfigured('a cluster needs at least one node');
    return { kind: 'cluster', nodes: [...options.cluster.nodes] };
  }
  const sentinel = options.sentinel!;
  if (sentinel.sentinels.length === 0) throw misconfigured('sentinel needs at least one sentinel');
  return { kind: 'sentinel', ...sentinel };
}

/** scheme://host:port of a URL, never its credentials. */
function hostOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw misconfigured('a URL does not parse');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw misconfigured('the URL must start with redis:// or rediss://');
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
}

/** The user and password of a cluster's nodes, from the first node's URL. */
function clusterCredentials(nodes: readonly string[]): { username?: string; password?: string } {
  const first = new URL(nodes[0]!);
  return {
    ...(first.username !== '' && { username: decodeURIComponent(first.username) }),
    ...(first.password !== '' && { password: decodeURIComponent(first.password) }),
  };
}

/** Where the store points, for log lines: hosts and ports only. */
function describeTarget(where: Target): string {
  switch (where.kind) {
    case 'standalone':
      return hostOf(where.url);
    case 'cluster':
      return `cluster ${where.nodes.map(hostOf).join(',')}`;
    case 'sentinel':
      return `sentinel ${where.name} via ${where.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  }
}

/** `message` with every configured URL replaced, so that no credential is logged. */
function redactUrls(message: string, where: Target): string {
  const urls = where.kind === 'standalone' ? [where.url] : where.kind === 'cluster' ? where.nodes : [];
  return urls.reduce((m, url) => m.replaceAll(url, '<url>'), message);
}

function firstWord(message: string): string {
  return message.split(/\s/, 1)[0] ?? 'error';
}
