// BENCHMARKS.md figure 3: how fast the device flow's token endpoint answers CLIs that poll while
// their codes wait for approval (POST /oauth/token, grant_type device_code, RFC 8628 §3.4), as
// polls/s and p50/p99 latency, against the `oidc-provider` package's own device_code endpoint.
//
// Four servers, each a child process of this one (so that the load generator's CPU is not counted
// with it), polled by the same load generator (bench/support/device-load.ts: 64 closed-loop
// pollers on keep-alive connections, each cycling through its share of the codes, every poll from
// another client address so that per-address rate limits do not refuse the load):
//   1. oidc-provider, device flow on, its default in-memory adapter, a public client; 500 codes
//      made through its device authorization endpoint;
//   2. Hatrack with its in-memory store, and 3. Hatrack on a private redis-server (started here,
//      killed at the end), both from validateConfig + startHatrack, codes made through
//      POST /oauth/device/code;
//   4. a bare node:http server answering every poll with a fixed authorization_pending (the
//      ceiling of this machine's HTTP stack), and 5. an Express app with Hatrack's body parsers
//      answering the same (the ceiling of any Express endpoint: what bounds Hatrack's).
// Cases run interleaved, round by round, in a rotating order; the ratios are taken per round.
//
// Hatrack paces each code: a poll sooner than `interval` (at least 1 s: the shortest the
// configuration allows) after the last one answers slow_down, and every slow_down adds 5 s to that
// code's interval (RFC 8628 §3.5). oidc-provider never answers slow_down. With 500 codes and 64
// closed-loop pollers every code is polled many times a second, so Hatrack answers nearly all of
// them slow_down — served polls, but not the pending path. Each Hatrack is therefore measured twice:
//   - "500 codes": the same load as oidc-provider gets (answers: slow_down, counted and printed);
//   - "pending path": enough codes (DEVICE_PENDING_CODES) that, cycled through by the same 64
//     pollers, no code is polled within 1 s of its last answer; a poller whose next code is not
//     due waits (counted: any wait means the figure is capped by codes ÷ 1 s). Every answer must
//     be authorization_pending. This is the figure compared with oidc-provider's.
// Every answer's kind is counted; a case with more than a few unexpected answers (rate limited,
// invalid_grant, a 5xx…) stops the run.
//
// Environment: DEVICE_ROUNDS (5), DEVICE_MEASURE_MS (2000 per case and round), DEVICE_WARMUP_MS
// (300 before each measured window), DEVICE_POLLERS (64), DEVICE_CODES (500),
// DEVICE_PENDING_CODES (8000: enough up to 8 000 polls/s; Hatrack's in-memory store holds
// 100 000 entries, about 4 per code plus rate-limit counters, so stay under ~20 000),
// DEVICE_CPU_PROF_DIR (when set, the Hatrack children run with --cpu-prof and write their
// profiles there when they stop). About 1.5 minutes with the defaults.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, ratioSpread, sorted } from './stats.ts';
import { BROKER_OPTIONS_ENV, DEVICE_CLIENT_ID, type BrokerBenchOptions } from './support/device-broker-config.ts';
import { pollBody, requestDeviceCodes } from './support/device-codes.ts';
import { describeAnswers, runLoad, type LoadResult, type PollTarget } from './support/device-load.ts';
import { forkServer, processCpuMicros, startRedis, type ChildServer } from './support/device-processes.ts';
import { envInt, runWithCleanup, type Cleanup } from './support/processes.ts';
import { generateSigningKeyPair } from '../src/aws/keys.ts';

const settings = {
  rounds: envInt('DEVICE_ROUNDS', 5),
  measureMs: envInt('DEVICE_MEASURE_MS', 2000),
  warmupMs: envInt('DEVICE_WARMUP_MS', 300),
  pollers: envInt('DEVICE_POLLERS', 64),
  codes: envInt('DEVICE_CODES', 500),
  pendingCodes: envInt('DEVICE_PENDING_CODES', 8000),
  profileDir: process.env.DEVICE_CPU_PROF_DIR,
};
/** What a CLI waits between polls at the shortest interval Hatrack's configuration allows. */
const PENDING_GAP_MS = 1000;
const support = (file: string) => fileURLToPath(new URL(`./support/${file}`, import.meta.url));

/** One measured server and load: what the table prints a line for. */
interface Case {
  name: string;
  server: ChildServer;
  /** Processes whose CPU counts as the server's besides the child (redis-server). */
  alsoCpuOf: number[];
  target: PollTarget;
  expected: ReadonlySet<string>;
  /** For the pending path: no code polled again within this, kept across rounds. */
  pacing?: { minGapMs: number; lastAnswerAt: Float64Array };
  /** Hatrack's targets, for the cases they are judged on: polls/s ÷ oidc-provider's at least this, p99 ≤ 20 ms. */
  targets?: { ratio?: number; p99Ms: number };
}

interface Measured extends LoadResult {
  serverCpuMicrosPerPoll: number;
  generatorCpuMicrosPerPoll: number;
}

async function startServers(cleanup: Cleanup) {
  const redis = await startRedis(cleanup);
  const idp = await generateSigningKeyPair({ commonName: 'bench-idp' });
  const brokerOptions = (redisUrl?: string): BrokerBenchOptions => ({ idpCertPem: idp.certPem, dir: cleanup.tempDir('hatrack-bench-broker-'), ...(redisUrl && { redisUrl }) });
  const profiled = (name: string) => (settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, `--cpu-prof-name=${name}-${process.pid}.cpuprofile`] : []);
  // Started one after another: each start generates RSA keys, which would skew nothing measured but is slow in parallel on 2 cores.
  const oidc = await forkServer(cleanup, 'oidc-provider', support('device-oidc-provider.ts'));
  const hatrackMemory = await forkServer(cleanup, 'Hatrack (memory)', support('device-broker.ts'), {
    env: { [BROKER_OPTIONS_ENV]: JSON.stringify(brokerOptions()) }, execArgv: profiled('hatrack-memory'),
  });
  const hatrackRedis = await forkServer(cleanup, 'Hatrack (Redis)', support('device-broker.ts'), {
    env: { [BROKER_OPTIONS_ENV]: JSON.stringify(brokerOptions(redis.url)) }, execArgv: profiled('hatrack-redis'),
  });
  const ceiling = await forkServer(cleanup, 'node:http ceiling', support('device-ceiling.ts'));
  const expressCeiling = await forkServer(cleanup, 'Express ceiling', support('device-express-ceiling.ts'));
  return { redis, oidc, hatrackMemory, hatrackRedis, ceiling, expressCeiling };
}

const P99_TARGET_MS = 20;
const PENDING = new Set(['authorization_pending']);
const PENDING_OR_SLOW = new Set(['authorization_pending', 'slow_down']);

async function hatrackCases(server: ChildServer, store: string, alsoCpuOf: number[], ratioTarget: number): Promise<Case[]> {
  const endpoint = { port: server.port, path: '/oauth/device/code', clientId: DEVICE_CLIENT_ID };
  const few = await requestDeviceCodes(endpoint, settings.codes);
  const many = await requestDeviceCodes(endpoint, settings.pendingCodes, { firstAddress: settings.codes });
  if (few.intervalSeconds !== 1 || many.intervalSeconds !== 1) throw new Error(`Hatrack asked for an interval of ${few.intervalSeconds} s, not 1 s`);
  const target = (codes: string[]): PollTarget => ({ port: server.port, path: '/oauth/token', bodies: codes.map((c) => pollBody(DEVICE_CLIENT_ID, c)) });
  return [
    {
      name: `Hatrack ${store}, pending path (${settings.pendingCodes} codes, each ≥ 1 s apart)`, server, alsoCpuOf,
      target: target(many.deviceCodes), expected: PENDING,
      pacing: { minGapMs: PENDING_GAP_MS, lastAnswerAt: new Float64Array(settings.pendingCodes).fill(-Infinity) },
      targets: { ratio: ratioTarget, p99Ms: P99_TARGET_MS },
    },
    {
      name: `Hatrack ${store}, ${settings.codes} codes (polled too fast)`, server, alsoCpuOf,
      target: target(few.deviceCodes), expected: PENDING_OR_SLOW, targets: { p99Ms: P99_TARGET_MS },
    },
  ];
}

function oidcProviderVersion(): string {
  const manifest = readFileSync(new URL('../node_modules/oidc-provider/package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

async function buildCases(servers: Awaited<ReturnType<typeof startServers>>): Promise<Case[]> {
  const { oidc, hatrackMemory, hatrackRedis, ceiling, expressCeiling, redis } = servers;
  const oidcClient = String(oidc.ready.clientId);
  const oidcCodes = await requestDeviceCodes({ port: oidc.port, path: String(oidc.ready.deviceAuthorizationPath), clientId: oidcClient }, settings.codes);
  const madeUp = Array.from({ length: settings.codes }, () => randomBytes(32).toString('base64url'));
  return [
    {
      name: `oidc-provider ${oidcProviderVersion()} (${settings.codes} codes)`, server: oidc, alsoCpuOf: [], expected: PENDING,
      target: { port: oidc.port, path: String(oidc.ready.tokenPath), bodies: oidcCodes.deviceCodes.map((c) => pollBody(oidcClient, c)) },
    },
    ...(await hatrackCases(hatrackMemory, 'memory', [], 1.5)),
    ...(await hatrackCases(hatrackRedis, 'Redis', [redis.pid], 1.0)),
    {
      name: 'node:http ceiling (fixed answer)', server: ceiling, alsoCpuOf: [], expected: PENDING,
      target: { port: ceiling.port, path: String(ceiling.ready.tokenPath), bodies: madeUp.map((c) => pollBody(DEVICE_CLIENT_ID, c)) },
    },
    {
      name: 'Express ceiling (parsers, fixed answer)', server: expressCeiling, alsoCpuOf: [], expected: PENDING,
      target: { port: expressCeiling.port, path: String(expressCeiling.ready.tokenPath), bodies: madeUp.map((c) => pollBody(DEVICE_CLIENT_ID, c)) },
    },
  ];
}

async function serverCpuMicros(c: Case): Promise<number> {
  const usage = await c.server.usage();
  return c.alsoCpuOf.reduce((sum, pid) => sum + processCpuMicros(pid), usage.cpuMicros);
}

async function measure(c: Case, measureMs: number): Promise<Measured> {
  const serverBefore = await serverCpuMicros(c);
  const generatorBefore = process.cpuUsage();
  const result = await runLoad(c.target, {
    pollers: settings.pollers, warmupMs: settings.warmupMs, measureMs, expected: c.expected,
    ...(c.pacing && { minGapMs: c.pacing.minGapMs }),
  }, c.pacing?.lastAnswerAt).catch((e: unknown) => {
    throw new Error(`${c.name}: ${e instanceof Error ? e.message : String(e)}\n${c.server.stderr()}`);
  });
  const generator = process.cpuUsage(generatorBefore);
  const serverAfter = await serverCpuMicros(c);
  const answered = [...result.answers.values()].reduce((a, b) => a + b, 0);
  return {
    ...result,
    serverCpuMicrosPerPoll: (serverAfter - serverBefore) / answered,
    generatorCpuMicrosPerPoll: (generator.user + generator.system) / answered,
  };
}

/** `median (min–max)` of a figure over rounds. */
function spread(xs: readonly number[], digits: number): string {
  const s = sorted(xs);
  const f = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(median(s))} (${f(s[0]!)}–${f(s.at(-1)!)})`;
}

function addAnswers(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [kind, n] of from) into.set(kind, (into.get(kind) ?? 0) + n);
}

type Results = Map<Case, Measured[]>;
const NAME_WIDTH = 62;
const verdict = (ok: boolean) => (ok ? 'met' : 'not met');

function printFigures(cases: Case[], results: Results): void {
  console.log(`\n${'case'.padEnd(NAME_WIDTH)} ${'polls/s'.padEnd(24)} ${'p50 ms'.padEnd(18)} ${'p99 ms'.padEnd(20)} server CPU µs/poll   load gen CPU µs/poll`);
  for (const c of cases) {
    const rs = results.get(c)!;
    console.log(`${c.name.padEnd(NAME_WIDTH)} ${spread(rs.map((r) => r.pollsPerSecond), 0).padEnd(24)} ${spread(rs.map((r) => r.p50Ms), 1).padEnd(18)} ${spread(rs.map((r) => r.p99Ms), 1).padEnd(20)} `
      + `${median(rs.map((r) => r.serverCpuMicrosPerPoll)).toFixed(0).padEnd(20)} ${median(rs.map((r) => r.generatorCpuMicrosPerPoll)).toFixed(0)}`);
  }
}

/** Which answers each server gave, and whether the pending path had to wait for due codes. */
function printAnswers(cases: Case[], results: Results): void {
  console.log(`\nanswers, every poll of the measured rounds (each window's ${settings.warmupMs} ms warm-up included):`);
  for (const c of cases) {
    const rs = results.get(c)!;
    const all = new Map<string, number>();
    for (const r of rs) addAnswers(all, r.answers);
    const waits = rs.reduce((sum, r) => sum + r.pacingWaits, 0);
    const errors = rs.reduce((sum, r) => sum + r.transportErrors, 0);
    const cap = Math.round(settings.pendingCodes / (PENDING_GAP_MS / 1000));
    const notes = [
      c.pacing && `pacing waits ${waits}${waits > 0 ? ` (capped at ≈ ${cap} polls/s: raise DEVICE_PENDING_CODES)` : ''}`,
      errors > 0 && `${errors} transport errors`,
    ].filter(Boolean);
    console.log(`  ${c.name.padEnd(NAME_WIDTH)} ${describeAnswers(all)}${notes.length ? `; ${notes.join('; ')}` : ''}`);
  }
}

/** Per round, each case against oidc-provider measured in the same round: polls/s, and server CPU per poll. */
function printRatios(cases: Case[], results: Results): void {
  const baseline = results.get(cases[0]!)!;
  console.log('\npolls/s ÷ oidc-provider\'s in the same round (median, min–max):');
  for (const c of cases.slice(1)) {
    const ratios = results.get(c)!.map((r, i) => r.pollsPerSecond / baseline[i]!.pollsPerSecond);
    const target = c.targets?.ratio === undefined ? '' : `   target ≥ ${c.targets.ratio.toFixed(1)}×: ${verdict(median(ratios) >= c.targets.ratio)}`;
    console.log(`  ${c.name.padEnd(NAME_WIDTH)} ${ratioSpread(ratios)}${target}`);
  }
  // Less exposed to the machine's noise than polls/s: the CPU each poll cost the server, whoever else was running.
  console.log('\noidc-provider\'s server CPU per poll ÷ this case\'s, same round (above 1×: cheaper per poll than oidc-provider):');
  for (const c of cases.slice(1)) {
    const ratios = results.get(c)!.map((r, i) => baseline[i]!.serverCpuMicrosPerPoll / r.serverCpuMicrosPerPoll);
    console.log(`  ${c.name.padEnd(NAME_WIDTH)} ${ratioSpread(ratios)}`);
  }
}

function printLatencyTargets(cases: Case[], results: Results): void {
  console.log(`\np99 ≤ ${P99_TARGET_MS} ms (median over rounds; with ${settings.pollers} closed-loop pollers the mean latency is ${settings.pollers} ÷ polls/s):`);
  for (const c of cases.filter((x) => x.targets)) {
    const p99 = median(results.get(c)!.map((r) => r.p99Ms));
    console.log(`  ${c.name.padEnd(NAME_WIDTH)} ${p99.toFixed(1)} ms: ${verdict(p99 <= c.targets!.p99Ms)}`);
  }
}

async function main(cleanup: Cleanup): Promise<void> {
  console.log(`device_code polling on node ${process.version}, ${cpus().length} cores: ${settings.pollers} closed-loop pollers on keep-alive connections, `
    + `${settings.rounds} rounds × ${settings.measureMs} ms per case (after ${settings.warmupMs} ms of warm-up), cases interleaved in a rotating order`);
  const started = performance.now();
  const servers = await startServers(cleanup);
  const cases = await buildCases(servers);
  process.stderr.write(`servers started and codes made in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  // One unrecorded pass of every case: JIT, connection set-up, and Hatrack's 500 codes reach their slow_down steady state.
  for (const c of cases) await measure(c, settings.measureMs / 2);
  const results: Results = new Map(cases.map((c) => [c, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]!);
    for (const c of order) results.get(c)!.push(await measure(c, settings.measureMs));
    process.stderr.write(`round ${round + 1}/${settings.rounds} done\n`);
  }
  printFigures(cases, results);
  printAnswers(cases, results);
  printRatios(cases, results);
  printLatencyTargets(cases, results);
  console.log('\nserver CPU counts the child process (and redis-server for the Redis cases); Hatrack\'s codes are made by POST /oauth/device/code, oidc-provider\'s by POST /device/auth.');
}

await runWithCleanup(main);
