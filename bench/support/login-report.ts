// The login benchmark's arithmetic on its windows and the way it prints them: per-login CPU of
// each process, throughput, latency percentiles, cores busy, and aligned tables.
import { median, sorted } from '../stats.ts';
import type { Window } from './login-load.ts';

/** `median (min–max)` of values measured round by round. */
export function spread(values: readonly number[], digits: number): string {
  const s = sorted(values);
  return `${median(s).toFixed(digits)} (${s[0]!.toFixed(digits)}–${s.at(-1)!.toFixed(digits)})`;
}

/** The value below which a fraction `q` of the values lie (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** One window's figures per login; `brokers` are the indexes of the broker processes serving it. */
export interface PerLogin {
  loginsPerSecond: number;
  broker: number;
  driver: number;
  standin: number;
  provider: number;
  redis: number;
  redisCommands: number;
  /** CPU of every process of the run ÷ wall time: how many cores the window kept busy. */
  coresBusy: number;
}

export function perLogin(w: Window, brokers: readonly number[]): PerLogin {
  const broker = brokers.reduce((sum, i) => sum + w.cpu.brokers[i]!, 0);
  const all = w.cpu.brokers.reduce((a, b) => a + b, 0) + w.cpu.driver + w.cpu.standin + w.cpu.provider + w.cpu.redis;
  return {
    loginsPerSecond: w.logins / (w.wallMs / 1000),
    broker: broker / w.logins,
    driver: w.cpu.driver / w.logins,
    standin: w.cpu.standin / w.logins,
    provider: w.cpu.provider / w.logins,
    redis: w.cpu.redis / w.logins,
    redisCommands: w.cpu.redisCommands / w.logins,
    coresBusy: all / w.wallMs,
  };
}

/** The medians over rounds of each per-login figure. */
export function medianPerLogin(rounds: readonly PerLogin[]): PerLogin {
  const m = (k: keyof PerLogin) => median(rounds.map((r) => r[k]));
  return {
    loginsPerSecond: m('loginsPerSecond'), broker: m('broker'), driver: m('driver'), standin: m('standin'), provider: m('provider'), redis: m('redis'),
    redisCommands: m('redisCommands'), coresBusy: m('coresBusy'),
  };
}

/** How many cores each process kept busy in a window (CPU ÷ wall), as medians over rounds. */
export function coresByProcess(windows: readonly Window[]): string {
  const m = (cpuOf: (w: Window) => number) => median(windows.map((w) => cpuOf(w) / w.wallMs)).toFixed(2);
  const parts = [
    ...windows[0]!.cpu.brokers.map((_, i) => `broker ${'ab'[i] ?? i} ${m((w) => w.cpu.brokers[i]!)}`),
    `stand-in ${m((w) => w.cpu.standin)}`, `driver ${m((w) => w.cpu.driver)}`, `redis ${m((w) => w.cpu.redis)}`, `provider ${m((w) => w.cpu.provider)}`,
  ];
  return parts.join(', ');
}

/** The row of a throughput table: logins/s over rounds, pooled latencies, and CPU per login by process. */
export function throughputRow(label: string[], windows: readonly Window[], brokers: readonly number[]): string[] {
  const rounds = windows.map((w) => perLogin(w, brokers));
  const m = medianPerLogin(rounds);
  const latencies = windows.flatMap((w) => w.latenciesMs);
  return [
    ...label,
    spread(rounds.map((r) => r.loginsPerSecond), 1),
    percentile(latencies, 0.5).toFixed(1), percentile(latencies, 0.99).toFixed(1),
    m.broker.toFixed(2), m.driver.toFixed(2), m.standin.toFixed(2), m.provider.toFixed(2), m.redis.toFixed(2), m.coresBusy.toFixed(2), m.redisCommands.toFixed(1),
  ];
}

export const THROUGHPUT_HEADER = ['logins/s (median, min–max)', 'p50 ms', 'p99 ms', 'broker', 'driver', 'stand-in', 'provider', 'redis', 'cores busy', 'redis cmds'];

/** Rows as columns: the first `leftColumns` left-aligned, the others right-aligned; indented by two. */
export function table(rows: readonly string[][], leftColumns: number): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`.trimEnd()).join('\n');
}
