// The polling load of bench/device-poll.ts, one code for every server under test: `pollers`
// concurrent CLIs, each on its own keep-alive connection, each cycling through its share of the
// device codes and sending the next poll as soon as the last answer is in (closed loop). Every
// poll comes from another client address (X-Forwarded-For, from a pool of 4 096), so per-address
// rate limits do not refuse the load; every answer is classified by its OAuth `error`, and a run
// with more than a few answers outside the expected kinds is an error, not a figure.
//
// The client is a minimal HTTP/1.1 one over node:net (one request in flight per connection,
// Content-Length bodies only): node:http's client costs several times the CPU per request, and
// this process's CPU is the load generator's, which must not be what limits the fastest server.
import { connect, type Socket } from 'node:net';
import { sorted } from '../stats.ts';

export interface HttpAnswer {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** One keep-alive connection to 127.0.0.1:port, one request at a time. */
export class KeepAliveConnection {
  readonly #socket: Socket;
  #buffer: Buffer = EMPTY;
  #waiting: { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void } | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e) => this.#fail(e));
    socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  static open(port: number): Promise<KeepAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new KeepAliveConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  get usable(): boolean {
    return !this.#closed;
  }

  /** Sends one complete request (head and body) and resolves with the answer. */
  send(request: string): Promise<HttpAnswer> {
    if (this.#closed) return Promise.reject(new Error('connection is closed'));
    if (this.#waiting) return Promise.reject(new Error('one request at a time on a connection'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headerEnd = this.#buffer.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.#buffer.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
    if (length === undefined) {
      this.#fail(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const end = headerEnd + HEADER_END.length + Number(length);
    if (this.#buffer.length < end) return;
    const answer = { status: Number(head.slice(9, 12)), body: this.#buffer.toString('utf8', headerEnd + HEADER_END.length, end) };
    this.#buffer = this.#buffer.subarray(end);
    if (/\r\nconnection: *close/i.test(head)) this.close();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(answer);
  }

  #fail(e: Error): void {
    this.#closed = true;
    this.#socket.destroy();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(e);
  }
}

/** One device code's poll, as the form body a CLI posts to the token endpoint. */
export interface PollTarget {
  port: number;
  path: string;
  /** One form body per device code. */
  bodies: readonly string[];
}

export interface LoadOptions {
  pollers: number;
  warmupMs: number;
  measureMs: number;
  /**
   * When set, no code is polled again sooner than this after its last answer (the CLI's
   * `interval`); a poller whose next code is not due waits, and the waits are counted.
   */
  minGapMs?: number;
  /** The answer kinds this server is expected to give (OAuth `error` values). */
  expected: ReadonlySet<string>;
}

export interface LoadResult {
  /** Answers completed inside the measured window. */
  polls: number;
  pollsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Every answer of the run (warm-up included) by kind: the OAuth error, `200`, or `HTTP <status>`. */
  answers: Map<string, number>;
  unexpected: number;
  /** How often a poller waited for its next code to be due (minGapMs). */
  pacingWaits: number;
  transportErrors: number;
}

/** The client addresses polls come from: 10.0.0.0–10.0.15.255. */
const ADDRESSES = Array.from({ length: 4096 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);

/** Each code's request up to the X-Forwarded-For value, and what follows it. */
function requestParts(target: PollTarget): Array<{ head: string; tail: string }> {
  return target.bodies.map((body) => ({
    head: `POST ${target.path} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nContent-Type: application/x-www-form-urlencoded\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nX-Forwarded-For: `,
    tail: `\r\n\r\n${body}`,
  }));
}

/** What an answer says: `200`, the OAuth `error` of a JSON error body, or `HTTP <status>`. */
export function answerKind(answer: HttpAnswer): string {
  if (answer.status === 200) return '200';
  return /"error":"([A-Za-z_]+)"/.exec(answer.body)?.[1] ?? `HTTP ${answer.status}`;
}

export function percentile(sortedValues: readonly number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  return sortedValues[Math.min(sortedValues.length - 1, Math.floor(p * sortedValues.length))]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Shared by a run's pollers. */
interface RunState {
  parts: Array<{ head: string; tail: string }>;
  lastAnswerAt: Float64Array;
  measureFrom: number;
  endAt: number;
  minGapMs: number;
  nextAddress: number;
  latencies: number[];
  answers: Map<string, number>;
  pacingWaits: number;
  transportErrors: number;
}

async function poll(state: RunState, port: number, codes: readonly number[]): Promise<void> {
  let connection = await KeepAliveConnection.open(port);
  try {
    for (let k = 0; performance.now() < state.endAt; k++) {
      const code = codes[k % codes.length]!;
      if (state.minGapMs > 0) {
        const wait = state.lastAnswerAt[code]! + state.minGapMs - performance.now();
        if (wait > 0) {
          state.pacingWaits++;
          await sleep(wait);
          if (performance.now() >= state.endAt) break;
        }
      }
      const part = state.parts[code]!;
      const request = part.head + ADDRESSES[state.nextAddress++ & 4095] + part.tail;
      const sent = performance.now();
      let answer: HttpAnswer;
      try {
        answer = await connection.send(request);
      } catch {
        state.transportErrors++;
        if (!connection.usable) connection = await KeepAliveConnection.open(port);
        continue;
      }
      const received = performance.now();
      state.lastAnswerAt[code] = received;
      const kind = answerKind(answer);
      state.answers.set(kind, (state.answers.get(kind) ?? 0) + 1);
      if (received >= state.measureFrom && received <= state.endAt) state.latencies.push(received - sent);
      if (!connection.usable) connection = await KeepAliveConnection.open(port);
    }
  } finally {
    connection.close();
  }
}

/**
 * Polls `target` with `options.pollers` closed-loop pollers for warmupMs + measureMs; poller p
 * owns the codes p, p + pollers, p + 2·pollers… Fails when the answers are not the expected kinds.
 */
export async function runLoad(target: PollTarget, options: LoadOptions, lastAnswerAt?: Float64Array): Promise<LoadResult> {
  if (target.bodies.length < options.pollers) throw new Error(`${target.bodies.length} codes for ${options.pollers} pollers`);
  const start = performance.now();
  const state: RunState = {
    parts: requestParts(target),
    lastAnswerAt: lastAnswerAt ?? new Float64Array(target.bodies.length).fill(-Infinity),
    measureFrom: start + options.warmupMs,
    endAt: start + options.warmupMs + options.measureMs,
    minGapMs: options.minGapMs ?? 0,
    nextAddress: 0,
    latencies: [],
    answers: new Map(),
    pacingWaits: 0,
    transportErrors: 0,
  };
  const shares = Array.from({ length: options.pollers }, (_, p) => target.bodies.map((_b, i) => i).filter((i) => i % options.pollers === p));
  await Promise.all(shares.map((codes) => poll(state, target.port, codes)));

  const latencies = sorted(state.latencies);
  let total = 0;
  let unexpected = 0;
  for (const [kind, count] of state.answers) {
    total += count;
    if (!options.expected.has(kind)) unexpected += count;
  }
  if (unexpected > Math.max(20, total * 0.005) || state.transportErrors > Math.max(20, total * 0.005)) {
    throw new Error(`unexpected answers: ${describeAnswers(state.answers)}; ${state.transportErrors} transport errors (expected only ${[...options.expected].join(', ')})`);
  }
  return {
    polls: latencies.length,
    pollsPerSecond: latencies.length / (options.measureMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    answers: state.answers,
    unexpected,
    pacingWaits: state.pacingWaits,
    transportErrors: state.transportErrors,
  };
}

/** `authorization_pending 98.1 %, slow_down 1.9 %`, largest first. */
export function describeAnswers(answers: ReadonlyMap<string, number>): string {
  const total = [...answers.values()].reduce((a, b) => a + b, 0);
  return [...answers].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${((100 * n) / total).toFixed(n === total ? 0 : 1)} %`).join(', ') || 'no answers';
}
