// Whole logins (issue 14, figures 2 and 6), measured the way PERFORMANCE.md's "How it was
// measured" describes. Each part runs in a process of its own: this driver plays the browsers (over
// keep-alive HTTP, each login with its own NameID or person, assertion ID and client address sent
// as X-Forwarded-For, so neither the replay cache nor the rate limits refuse it) and signs the IdP
// responses before each measured window; the broker processes (src/main.ts startHatrack, sessions
// and login state in a redis-server of this run); the offline AWS stand-in; the dev OpenID
// provider. A complete login is the upstream answer verified (SAML: an IdP-initiated Response
// POSTed to the ACS; OIDC: an authorization-code login at the provider), mapping, the role picker,
// minting, and AssumeRoleWithSAML (+ getSigninToken for Console) at the stand-in. Every login must
// end at the stand-in's sign-in URL (or keys); one failure ends the run.
//
// (2) Broker CPU per login (process.cpuUsage() in the broker, read over IPC), at concurrency 1,
//     ÷ the crypto floor measured in this process in the same round: verifying one upstream
//     signature + one bare RSA-SHA256 signature of a minted assertion with the broker's key.
//     Logins/s with p50/p99 latency at concurrency 1, 8, 32, SAML and OIDC, one broker.
// (6) Two broker processes on one Redis ÷ one: throughput, and broker CPU-seconds per login
//     (target ≤ 1.1×); requests go round-robin over the brokers, as from a load balancer without
//     stickiness. Every table also gives the CPU per login of the driver, the stand-in, the provider
//     and Redis, and the cores the whole run kept busy: on two shared cores they bound throughput.
//
// Brokers are warmed up first (per-login CPU falls over the first few hundred logins). Rounds
// interleave every case so the machine's noise falls on both sides of each ratio; ratios print as
// median (min–max) over rounds, beside the absolute figures. The report goes to stdout, progress to
// stderr; every process and the temp directory are removed at the end, also after a failure.
//
//   node bench/login.ts
//   LOGIN_BENCH_ROUNDS=5        rounds (default 5)
//   LOGIN_BENCH_LOGINS=48       logins per case and round, at least 4 × the concurrency (default 48)
//   LOGIN_BENCH_WARMUP=300      SAML warm-up logins per broker; broker a also half as many OIDC (default 300)
//   LOGIN_BENCH_FINISH=console  console (AssumeRoleWithSAML + federation) or keys (AssumeRoleWithSAML + keys page)
//   LOGIN_BENCH_CPU_PROF=DIR    run the brokers with --cpu-prof, profiles written to DIR
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { median, ratioSpread } from './stats.ts';
import { LoginNumbers, login, loginInputs, openConsole, signedSamlResponse, type Finish, type Flow, type LoginTarget } from './support/login-flows.ts';
import { fetchIdToken, floorOperations, measureFloors, type Floors } from './support/login-floor.ts';
import { measureLogins, type Window } from './support/login-load.ts';
import { Cleanup } from './support/login-processes.ts';
import { envInt } from './support/processes.ts';
import { THROUGHPUT_HEADER, coresByProcess, perLogin, table, throughputRow } from './support/login-report.ts';
import { startRig, type Rig } from './support/login-rig.ts';

const CONCURRENCIES = [1, 8, 32] as const;
const FLOWS: readonly Flow[] = ['saml', 'oidc'];
/** The two setups compared at 32 logins at once (the machine saturated) and at 8 (less contention for its cores). */
const SCALE_CONCURRENCIES = [32, 8] as const;
const SETUPS = { one: [0], two: [0, 1] } as const;
type Setup = keyof typeof SETUPS;
const WARMUP_BATCH = 50;

interface Plan {
  rounds: number;
  logins: number;
  warmup: number;
  finish: Finish;
  cpuProfDir?: string;
}

function readPlan(): Plan {
  const finish = process.env.LOGIN_BENCH_FINISH ?? 'console';
  if (finish !== 'console' && finish !== 'keys') throw new Error(`LOGIN_BENCH_FINISH must be console or keys, not ${finish}`);
  const prof = process.env.LOGIN_BENCH_CPU_PROF;
  return {
    rounds: envInt('LOGIN_BENCH_ROUNDS', 5),
    logins: envInt('LOGIN_BENCH_LOGINS', 48),
    warmup: envInt('LOGIN_BENCH_WARMUP', 300),
    finish,
    ...(prof && { cpuProfDir: resolve(prof) }),
  };
}

const loginsAt = (plan: Plan, concurrency: number) => Math.max(plan.logins, 4 * concurrency);

/** How many OIDC logins the run makes, so the provider knows that many people. */
function oidcLoginsPlanned(plan: Plan): number {
  const perRound = CONCURRENCIES.reduce((n, c) => n + loginsAt(plan, c), 0);
  return Math.ceil(plan.warmup / 2) + plan.rounds * perRound;
}

/** Requests to the brokers `indexes`, one after the other, whichever login they belong to. */
function roundRobin(rig: Rig, indexes: readonly number[], finish: Finish): LoginTarget {
  let next = 0;
  return { route: () => rig.brokerUrls[indexes[next++ % indexes.length]!]!, standinUrl: rig.standinUrl, finish };
}

interface Results {
  warmupCpu: { first: number; last: number };
  /** Key `${flow} ${concurrency}`: one window per round, broker a alone. */
  single: Map<string, Window[]>;
  floors: Floors[];
  /** Key `${setup} ${concurrency}`: one window per round. */
  scale: Map<string, Window[]>;
}

/** Whatever a window's last login ended with is checked further: its console must open at the stand-in. */
async function checkLast(w: Window, finish: Finish): Promise<void> {
  if (finish === 'console') await openConsole(w.results.at(-1)!);
}

async function runLogins(rig: Rig, flow: Flow, count: number, concurrency: number, target: LoginTarget, numbers: LoginNumbers): Promise<Window> {
  const inputs = loginInputs(flow, count, numbers, rig.idp); // SAML responses signed here, before the window
  const w = await measureLogins(rig, inputs, concurrency, (input) => login(flow)(input, target));
  await checkLast(w, target.finish);
  return w;
}

/** Warms every broker up in batches; returns broker a's SAML CPU per login in its first and last batch. */
async function warmUp(rig: Rig, plan: Plan, numbers: LoginNumbers): Promise<{ first: number; last: number }> {
  const perBatch: number[] = [];
  for (const [i] of rig.brokers.entries()) {
    const target = roundRobin(rig, [i], plan.finish);
    for (let done = 0; done < plan.warmup; done += WARMUP_BATCH) {
      const w = await runLogins(rig, 'saml', Math.min(WARMUP_BATCH, plan.warmup - done), 8, target, numbers);
      if (i === 0) perBatch.push(w.cpu.brokers[0]! / w.logins);
    }
    if (i === 0) await runLogins(rig, 'oidc', Math.ceil(plan.warmup / 2), 8, target, numbers);
  }
  return { first: perBatch[0]!, last: perBatch.at(-1)! };
}

async function measure(rig: Rig, plan: Plan): Promise<Results> {
  const numbers = new LoginNumbers();
  const floorOps = floorOperations({ idp: rig.idp, signedResponseXml: signedSamlResponse(0, rig.idp), broker: rig.brokerKeys, ...await fetchIdToken(rig.issuer) });
  // The floor's code is warmed up like the brokers' (xml-crypto's CPU per call halves over the first hundred).
  for (let i = 0; i < 200; i++) Object.values(floorOps).forEach((op) => op());
  progress('warming up the brokers');
  const results: Results = { warmupCpu: await warmUp(rig, plan, numbers), single: new Map(), floors: [], scale: new Map() };
  const one = roundRobin(rig, SETUPS.one, plan.finish);
  const two = roundRobin(rig, SETUPS.two, plan.finish);
  const keep = (map: Map<string, Window[]>, key: string, w: Window) => map.set(key, [...map.get(key) ?? [], w]);
  for (let round = 0; round < plan.rounds; round++) {
    for (const flow of FLOWS) {
      for (const c of CONCURRENCIES) {
        keep(results.single, `${flow} ${c}`, await runLogins(rig, flow, loginsAt(plan, c), c, one, numbers));
      }
    }
    results.floors.push(measureFloors(floorOps));
    // Alternating which setup goes first, so that neither always runs on a warmer machine.
    const setups: Setup[] = round % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
    for (const c of SCALE_CONCURRENCIES) {
      for (const setup of setups) {
        keep(results.scale, `${setup} ${c}`, await runLogins(rig, 'saml', loginsAt(plan, c), c, setup === 'one' ? one : two, numbers));
      }
    }
    progress(`round ${round + 1} of ${plan.rounds} done`);
  }
  return results;
}

/** Progress on stderr, so that stdout carries only the report. */
function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

const FLOW_NAMES: Record<Flow, string> = { saml: 'SAML tile login (IdP-initiated)', oidc: 'OIDC authorization-code login' };
const ms = (x: number) => `${x.toFixed(2)} ms`;

function reportFloorRatios(r: Results, finish: Finish): string[] {
  const floorMedian = (k: keyof Floors) => median(r.floors.map((f) => f[k]));
  const lines = [
    '(2) A whole login ÷ its crypto floor: broker CPU per login at concurrency 1, ÷ the floor measured in the same round (median, min–max)',
    '  the floor, CPU per call in the driver (median of rounds):',
    `    xml-crypto parse + checkSignature of the signed IdP Response        ${ms(floorMedian('xmlVerify'))}`,
    `    bare RSA-2048 SHA-256 verify of the same bytes, the IdP's key       ${ms(floorMedian('samlBareVerify'))}`,
    `    bare RS256 verify of a real ID token, the provider's key            ${ms(floorMedian('idTokenVerify'))}`,
    `    bare RSA-2048 SHA-256 signature of a minted assertion, broker key   ${ms(floorMedian('sign'))}`,
  ];
  const ratioLine = (flow: Flow, label: string, floorOf: (f: Floors) => number) => {
    const windows = r.single.get(`${flow} 1`)!;
    const ratios = windows.map((w, i) => perLogin(w, [0]).broker / floorOf(r.floors[i]!));
    return `    ÷ ${label.padEnd(38)} ${ms(median(r.floors.map(floorOf)))} = ${ratioSpread(ratios)}`;
  };
  for (const flow of FLOWS) {
    const cpu = median(r.single.get(`${flow} 1`)!.map((w) => perLogin(w, [0]).broker));
    lines.push(`  ${FLOW_NAMES[flow]} → ${finish}: broker CPU ${ms(cpu)} per login`);
    if (flow === 'saml') {
      lines.push(ratioLine(flow, '(xml-crypto verify + bare signature)', (f) => f.xmlVerify + f.sign));
      lines.push(ratioLine(flow, '(bare verify + bare signature)', (f) => f.samlBareVerify + f.sign));
    } else {
      lines.push(ratioLine(flow, '(bare ID-token verify + bare signature)', (f) => f.idTokenVerify + f.sign));
    }
  }
  return lines;
}

function reportThroughput(r: Results): string[] {
  const rows = [['flow', 'conc', ...THROUGHPUT_HEADER]];
  for (const flow of FLOWS) {
    for (const c of CONCURRENCIES) rows.push(throughputRow([flow.toUpperCase(), String(c)], r.single.get(`${flow} ${c}`)!, [0]));
  }
  return ['  logins/s and latency, one broker process; then CPU ms per login by process, cores busy, Redis commands per login (medians of rounds):', table(rows, 1)];
}

function reportScaleOut(r: Results, plan: Plan): string[] {
  const windows = (setup: Setup, c: number) => r.scale.get(`${setup} ${c}`)!;
  const rows = [['setup', 'conc', ...THROUGHPUT_HEADER]];
  for (const c of SCALE_CONCURRENCIES) {
    rows.push(throughputRow(['1 broker', String(c)], windows('one', c), SETUPS.one), throughputRow(['2 brokers', String(c)], windows('two', c), SETUPS.two));
  }
  const lines = [
    `(6) Scale-out: SAML logins (${SCALE_CONCURRENCIES.map((c) => `${loginsAt(plan, c)} per round at concurrency ${c}`).join(', ')}), requests round-robin over the broker processes, one Redis`,
    '  then CPU ms per login by process, cores busy, Redis commands per login (medians of rounds):',
    table(rows, 1),
    '  two ÷ one, per round (median, min–max):',
  ];
  for (const c of SCALE_CONCURRENCIES) {
    const pairs = windows('two', c).map((w, i) => ({ two: perLogin(w, SETUPS.two), one: perLogin(windows('one', c)[i]!, SETUPS.one) }));
    const cpu = pairs.map((p) => p.two.broker / p.one.broker);
    lines.push(`    concurrency ${String(c).padStart(2)}: throughput ${ratioSpread(pairs.map((p) => p.two.loginsPerSecond / p.one.loginsPerSecond))}; ` +
      `broker CPU-seconds per login ${ratioSpread(cpu)} (target ≤ 1.10×: ${median(cpu) <= 1.1 ? 'met' : 'not met'})`);
  }
  lines.push('  what bounds raw throughput, cores kept busy by each process at concurrency 32 (CPU ÷ wall, median of rounds):');
  lines.push(`    1 broker:  ${coresByProcess(windows('one', 32))}`, `    2 brokers: ${coresByProcess(windows('two', 32))}`);
  return lines;
}

/** The most cores the run's processes kept busy in any measured window. */
function busiestWindow(r: Results): number {
  const windows = [...r.single.values(), ...r.scale.values()].flat();
  return Math.max(...windows.map((w) => perLogin(w, []).coresBusy));
}

function sharedMachineNote(busiest: number, cores: number): string {
  const most = `The run's processes kept at most ${busiest.toFixed(2)} cores busy in any window`;
  return busiest < 0.9 * cores ? `${most}: other work on the machine held the rest, so these logins/s are below what the machine alone gives.` : `${most}: in that window they had the machine to themselves, saturated.`;
}

function report(r: Results, plan: Plan, rig: Rig, seconds: number): string {
  return [
    `Whole logins, bench/login.ts: Node ${process.version}, ${cpus().length} CPUs; ${plan.rounds} rounds; ${plan.logins} logins per case and round (at least 4 × concurrency); finish: ${plan.finish}`,
    `processes: driver (browsers; signs IdP responses outside the windows), ${rig.brokers.length} brokers, aws-standin, oidc-provider, redis-server (${rig.redis.url}); sessions in Redis`,
    `warm-up: ${plan.warmup} SAML logins per broker (+ ${Math.ceil(plan.warmup / 2)} OIDC on broker a); broker a's SAML CPU per login fell from ${ms(r.warmupCpu.first)} (first ${WARMUP_BATCH}) to ${ms(r.warmupCpu.last)} (last ${WARMUP_BATCH})`,
    '',
    ...reportFloorRatios(r, plan.finish),
    '',
    ...reportThroughput(r),
    '',
    ...reportScaleOut(r, plan),
    '',
    `  cores busy: CPU of all processes ÷ wall time (this machine has ${cpus().length}; anything else running on it is not counted).`,
    `  ${sharedMachineNote(busiestWindow(r), cpus().length)}`,
    `  Every login succeeded; total ${seconds.toFixed(0)} s.`,
  ].join('\n');
}

function printLogs(rig: Rig | undefined): void {
  for (const child of rig?.children ?? []) {
    console.error(`--- ${child.name}: its last warnings and errors\n${child.logProblems(8)}\n--- ${child.name}: the end of its log\n${child.logTail(3)}`);
  }
}

async function main(): Promise<void> {
  const plan = readPlan();
  const cleanup = new Cleanup();
  const bail = (why: string, code: number) => {
    console.error(why);
    void cleanup.run().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => bail('interrupted: stopping every process of the run', 130));
  process.once('SIGTERM', () => bail('terminated: stopping every process of the run', 143));
  process.once('unhandledRejection', (e) => bail(`unhandled rejection: ${e instanceof Error ? e.stack : e}`, 1));

  const started = performance.now();
  let rig: Rig | undefined;
  try {
    progress('starting redis-server, the AWS stand-in, the OpenID provider and two brokers');
    rig = await startRig({
      brokers: 2,
      people: oidcLoginsPlanned(plan) + 1,
      brokerExecArgv: plan.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${plan.cpuProfDir}`] : [],
      cleanup,
    });
    const results = await measure(rig, plan);
    console.log(report(results, plan, rig, (performance.now() - started) / 1000));
    if (plan.cpuProfDir) console.log(`  broker CPU profiles (whole process lives, warm-up included): ${plan.cpuProfDir}`);
  } catch (e) {
    console.error(`login benchmark failed: ${e instanceof Error ? e.stack ?? e.message : e}`);
    printLogs(rig);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
