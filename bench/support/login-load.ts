// The measured window of the login benchmark: logins run `concurrency` at a time, each one's
// latency, and the CPU every process of the run used meanwhile (the brokers', the stand-in's and
// the provider's process.cpuUsage() over IPC, the driver's own, Redis's INFO cpu). A failed login
// stops the window and the run.
import type { BenchChild, BenchRedis } from './login-processes.ts';

export interface Processes {
  brokers: BenchChild[];
  standin: BenchChild;
  provider: BenchChild;
  redis: BenchRedis;
}

/** CPU milliseconds, by process. */
export interface CpuUse {
  driver: number;
  brokers: number[];
  standin: number;
  provider: number;
  redis: number;
  /** Commands Redis processed (not CPU). */
  redisCommands: number;
}

export interface Window {
  logins: number;
  wallMs: number;
  latenciesMs: number[];
  /** What each login ended with (a sign-in URL or an access key id), in completion order. */
  results: string[];
  cpu: CpuUse;
}

async function cpuNow(p: Processes): Promise<CpuUse> {
  const [brokers, standin, provider, redis] = await Promise.all([
    Promise.all(p.brokers.map((b) => b.cpuMs())), p.standin.cpuMs(), p.provider.cpuMs(), p.redis.usage(),
  ]);
  const own = process.cpuUsage();
  return { driver: (own.user + own.system) / 1000, brokers, standin, provider, redis: redis.cpuMs, redisCommands: redis.commands };
}

function used(before: CpuUse, after: CpuUse): CpuUse {
  return {
    driver: after.driver - before.driver,
    brokers: after.brokers.map((ms, i) => ms - before.brokers[i]!),
    standin: after.standin - before.standin,
    provider: after.provider - before.provider,
    redis: after.redis - before.redis,
    // Less the two INFO commands of a reading that fall between the readings' counts.
    redisCommands: after.redisCommands - before.redisCommands - 2,
  };
}

async function runConcurrently<T>(inputs: readonly T[], concurrency: number, login: (input: T) => Promise<string>) {
  let next = 0;
  let failures = 0;
  let firstFailure: unknown;
  const latenciesMs: number[] = [];
  const results: string[] = [];
  const worker = async () => {
    while (firstFailure === undefined && next < inputs.length) {
      const input = inputs[next++]!;
      const start = performance.now();
      try {
        results.push(await login(input));
        latenciesMs.push(performance.now() - start);
      } catch (e) {
        failures++;
        firstFailure ??= e;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  const wallMs = performance.now() - start;
  if (firstFailure !== undefined) {
    const why = firstFailure instanceof Error ? firstFailure.message : String(firstFailure);
    throw new Error(`${failures} of ${next} logins started failed (concurrency ${concurrency}); the first: ${why}`);
  }
  return { wallMs, latenciesMs, results };
}

/** Runs every input's login, `concurrency` at a time, between two CPU readings of every process. */
export async function measureLogins<T>(p: Processes, inputs: readonly T[], concurrency: number, login: (input: T) => Promise<string>): Promise<Window> {
  const before = await cpuNow(p);
  const run = await runConcurrently(inputs, concurrency, login);
  const after = await cpuNow(p);
  return { logins: inputs.length, ...run, cpu: used(before, after) };
}
