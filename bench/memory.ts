// BENCHMARKS.md figure 5: what state costs a broker's memory when the state lives in Redis. One
// Hatrack broker, a child process (node --expose-gc) started from validateConfig + startHatrack
// on a private redis-server (started here, killed at the end). Its RSS is read at these moments:
//   - idle, just started;
//   - idle, warmed up: after MEMORY_WARMUP sign-ins and device codes, so that compiled code and
//     caches filled by first use are there before the growth is counted;
//   - after each of MEMORY_STEPS steps of MEMORY_SESSIONS more complete browser sign-ins: each
//     a SAML Response for its own person, signed by an IdP key the broker trusts, posted to the
//     ACS as the Google app tile does (bench/support/memory-sign-in.ts), each leaving a stored
//     session (counted in Redis);
//   - after MEMORY_DEVICE_CODES pending device codes, made by POST /oauth/device/code.
// At each moment the harness asks the broker over IPC (bench/support/device-child.ts) for its
// memory after forced GCs: once after a regular full GC (gc()), then MEMORY_READINGS times after
// a last-resort one. The difference matters: after a regular GC V8 keeps the pages it freed
// for reuse, so a busy broker's RSS reads 150 MiB or more above what it holds, whatever it
// stores; a last-resort GC (what V8 does under memory pressure) gives them back, and what is
// left is what the process holds. The growth is counted from the last-resort readings.
// Target: growth ≤ 20 MiB from the warmed-up idle to after both (the state lives in Redis);
// heap, Redis used_memory and the growth from the cold start are printed for context. With
// MEMORY_ROUNDS > 1 each round starts a fresh broker on an emptied Redis.
//
// Environment: MEMORY_SESSIONS (10000), MEMORY_DEVICE_CODES (10000), MEMORY_WARMUP (300),
// MEMORY_STEPS (5), MEMORY_CONCURRENCY (4 sign-ins in flight; the responses are signed here,
// outside the broker), MEMORY_READINGS (3), MEMORY_ROUNDS (1). The broker verifies each signed
// response (about 10 ms of its CPU), so the defaults take 2.5–3 minutes on 2 cores;
// MEMORY_SESSIONS=5000 takes half as long.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, sorted } from './stats.ts';
import { BENCH_KEY_PREFIX, BROKER_OPTIONS_ENV, DEVICE_CLIENT_ID, type BrokerBenchOptions } from './support/device-broker-config.ts';
import { requestDeviceCodes } from './support/device-codes.ts';
import { forkServer, startRedis, type ChildServer, type Usage } from './support/device-processes.ts';
import { envInt, runWithCleanup, type Cleanup } from './support/processes.ts';
import { signInPeople, type AcsEndpoint } from './support/memory-sign-in.ts';
import { generateSigningKeyPair } from '../src/aws/keys.ts';
import type { SigningKey } from '../src/dev/saml-idp/response.ts';

const settings = {
  sessions: envInt('MEMORY_SESSIONS', 10_000),
  deviceCodes: envInt('MEMORY_DEVICE_CODES', 10_000),
  warmup: envInt('MEMORY_WARMUP', 300),
  concurrency: envInt('MEMORY_CONCURRENCY', 4),
  readings: envInt('MEMORY_READINGS', 3),
  steps: envInt('MEMORY_STEPS', 5),
  rounds: envInt('MEMORY_ROUNDS', 1),
};
const MiB = 1024 * 1024;
const TARGET_GROWTH_MIB = 20;

function redisCli(url: string, args: string[]): string {
  return execFileSync('redis-cli', ['-u', url, ...args], { encoding: 'utf8', maxBuffer: 256 * MiB });
}

function redisUsedMemory(url: string): number {
  const used = /^used_memory:(\d+)/m.exec(redisCli(url, ['INFO', 'memory']))?.[1];
  if (used === undefined) throw new Error('redis-cli INFO memory has no used_memory');
  return Number(used);
}

function countKeys(url: string, pattern: string): number {
  return redisCli(url, ['--scan', '--pattern', `${BENCH_KEY_PREFIX}${pattern}`]).split('\n').filter(Boolean).length;
}

/**
 * The broker's memory at one moment: RSS after a regular full GC (gc(): V8 keeps the pages it
 * freed), then `readings` readings, a little apart, after last-resort GCs (V8 also hands its
 * pooled pages back, as it does under memory pressure: what is left is what the process holds);
 * and what Redis holds.
 */
interface Snapshot {
  label: string;
  rssAfterRegularGc: number;
  rss: number[];
  heapTotal: number[];
  heapUsed: number[];
  redisUsed: number;
  sessions: number;
  deviceCodes: number;
}

async function snapshot(label: string, broker: ChildServer, redisUrl: string): Promise<Snapshot> {
  const regular = await broker.usage({ gc: 'regular' });
  const readings: Usage[] = [];
  for (let i = 0; i < settings.readings; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    readings.push(await broker.usage({ gc: 'last-resort' }));
  }
  return {
    label,
    rssAfterRegularGc: regular.rss,
    rss: readings.map((u) => u.rss),
    heapTotal: readings.map((u) => u.heapTotal),
    heapUsed: readings.map((u) => u.heapUsed),
    redisUsed: redisUsedMemory(redisUrl),
    sessions: countKeys(redisUrl, 'sess:*'),
    deviceCodes: countKeys(redisUrl, 'device:*'),
  };
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
function spreadMiB(xs: readonly number[]): string {
  const s = sorted(xs);
  return `${mib(median(s))} (${mib(s[0]!)}–${mib(s.at(-1)!)})`;
}

interface Round {
  cold: Snapshot;
  warm: Snapshot;
  /** After each step of the sessions; the last is after all of them. */
  sessionSteps: Snapshot[];
  afterCodes: Snapshot;
  signInsPerSecond: number;
  codesPerSecond: number;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function measureRound(cleanup: Cleanup, redisUrl: string, idp: SigningKey, round: number): Promise<Round> {
  const options: BrokerBenchOptions = { idpCertPem: idp.certPem, dir: cleanup.tempDir('hatrack-bench-broker-'), redisUrl };
  const broker = await forkServer(cleanup, `Hatrack (round ${round + 1})`, fileURLToPath(new URL('./support/device-broker.ts', import.meta.url)), {
    env: { [BROKER_OPTIONS_ENV]: JSON.stringify(options) }, execArgv: ['--expose-gc'],
  });
  const sp: AcsEndpoint = { acsUrl: String(broker.ready.acsUrl), spEntityId: String(broker.ready.spEntityId) };
  const codes = { port: broker.port, path: '/oauth/device/code', clientId: DEVICE_CLIENT_ID };
  try {
    const cold = await snapshot('idle, just started', broker, redisUrl);
    await signInPeople(sp, idp, 0, settings.warmup, settings.concurrency);
    await requestDeviceCodes(codes, settings.warmup, { concurrency: 8 });
    const warm = await snapshot(`idle, warmed up (${settings.warmup} sign-ins and codes)`, broker, redisUrl);

    const sessionSteps: Snapshot[] = [];
    let signedIn = 0;
    let signInSeconds = 0;
    for (let step = 1; step <= settings.steps; step++) {
      const upTo = Math.round((settings.sessions * step) / settings.steps);
      signInSeconds += await timed(() => signInPeople(sp, idp, settings.warmup + signedIn, upTo - signedIn, settings.concurrency));
      signedIn = upTo;
      sessionSteps.push(await snapshot(`after ${signedIn} more sessions`, broker, redisUrl));
    }
    const codeSeconds = await timed(async () => {
      await requestDeviceCodes(codes, settings.deviceCodes, { concurrency: 8, firstAddress: settings.warmup });
    });
    const afterCodes = await snapshot(`and ${settings.deviceCodes} pending device codes`, broker, redisUrl);
    return { cold, warm, sessionSteps, afterCodes, signInsPerSecond: settings.sessions / signInSeconds, codesPerSecond: settings.deviceCodes / codeSeconds };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${broker.stderr()}`);
  } finally {
    await broker.stop();
  }
}

const afterSessions = (r: Round) => r.sessionSteps.at(-1)!;

/** Every stored session and pending code must be there: otherwise the figure measured nothing. */
function checkStored(r: Round): void {
  const sessions = afterSessions(r).sessions - r.warm.sessions;
  const deviceCodes = r.afterCodes.deviceCodes - afterSessions(r).deviceCodes;
  if (sessions !== settings.sessions) throw new Error(`expected ${settings.sessions} new sessions in Redis, found ${sessions}`);
  if (deviceCodes !== settings.deviceCodes) throw new Error(`expected ${settings.deviceCodes} new device codes in Redis, found ${deviceCodes}`);
}

function printRound(r: Round): void {
  console.log(`  ${'moment'.padEnd(46)} ${'RSS MiB'.padEnd(22)} ${'heap total'.padStart(10)} ${'heap used'.padStart(10)} ${'RSS, gc()'.padStart(10)} ${'Redis MiB'.padStart(10)} ${'sessions'.padStart(9)} ${'codes'.padStart(7)}`);
  for (const s of [r.cold, r.warm, ...r.sessionSteps, r.afterCodes]) {
    console.log(`  ${s.label.padEnd(46)} ${spreadMiB(s.rss).padEnd(22)} ${mib(median(s.heapTotal)).padStart(10)} ${mib(median(s.heapUsed)).padStart(10)} `
      + `${mib(s.rssAfterRegularGc).padStart(10)} ${mib(s.redisUsed).padStart(10)} ${String(s.sessions).padStart(9)} ${String(s.deviceCodes).padStart(7)}`);
  }
  console.log(`  (${r.signInsPerSecond.toFixed(0)} sign-ins/s, ${r.codesPerSecond.toFixed(0)} device codes/s. RSS, heap: after last-resort GCs, median (min–max) of ${settings.readings}; `
    + 'RSS, gc(): one reading before those, after a regular full GC, which leaves resident the pages V8 freed since the last reading: '
    + 'the high-water mark of the work done since, not state)');
}

/** Growth in RSS between two moments, from their median readings after last-resort GCs. */
const growth = (from: Snapshot, to: Snapshot) => median(to.rss) - median(from.rss);

function printGrowth(rounds: Round[]): void {
  const figure = (values: number[]) => {
    const s = sorted(values);
    return rounds.length === 1 ? `${mib(s[0]!)} MiB` : `${mib(median(s))} MiB (${mib(s[0]!)}–${mib(s.at(-1)!)}) over ${rounds.length} rounds`;
  };
  const both = (from: (r: Round) => Snapshot, to: (r: Round) => Snapshot) => figure(rounds.map((r) => growth(from(r), to(r))));
  const total = rounds.map((r) => growth(r.warm, r.afterCodes));
  const firstStep = Math.round(settings.sessions / settings.steps);
  const rows: Array<[string, string]> = [
    [`${settings.sessions} sessions (warmed-up idle → after them)`, both((r) => r.warm, afterSessions)],
    [`the last ${settings.sessions - firstStep} of them (after ${firstStep} → after ${settings.sessions})`, both((r) => r.sessionSteps[0]!, afterSessions)],
    [`${settings.deviceCodes} pending device codes (after the sessions → after them)`, both(afterSessions, (r) => r.afterCodes)],
    ['both (warmed-up idle → after both)', both((r) => r.warm, (r) => r.afterCodes)],
    ['both, from just started (the warm-up\'s growth included)', both((r) => r.cold, (r) => r.afterCodes)],
  ];
  console.log('\nRSS growth (after last-resort GCs):');
  for (const [what, value] of rows) console.log(`  ${what.padEnd(66)} ${value}`);
  console.log(`  target: both ≤ ${TARGET_GROWTH_MIB} MiB from the warmed-up idle: ${median(total) / MiB <= TARGET_GROWTH_MIB ? 'met' : 'not met'}`);
  console.log(`  Redis used_memory, warmed-up idle → after both: ${figure(rounds.map((r) => r.afterCodes.redisUsed - r.warm.redisUsed))}`);
}

async function main(cleanup: Cleanup): Promise<void> {
  console.log(`broker memory on node ${process.version}, ${cpus().length} cores: ${settings.sessions} SAML tile sign-ins and ${settings.deviceCodes} device codes on a private Redis`);
  const redis = await startRedis(cleanup);
  const idp = await generateSigningKeyPair({ commonName: 'bench-idp' });
  const rounds: Round[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    redisCli(redis.url, ['FLUSHALL']);
    const r = await measureRound(cleanup, redis.url, idp, round);
    checkStored(r);
    console.log(`\nround ${round + 1}:`);
    printRound(r);
    rounds.push(r);
  }
  printGrowth(rounds);
}

await runWithCleanup(main);
