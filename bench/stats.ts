// The arithmetic every benchmark here shares: time per call, medians, and a ratio's spread over
// rounds, printed the one way the benchmarks print them.

/** Milliseconds per call of `fn`, over `n` calls in a row. */
export function msPerCall(fn: () => void, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / n / 1e6;
}

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  return sorted(xs)[Math.floor(xs.length / 2)]!;
}

/** Ratios measured round by round, as `median× (min–max)`. */
export function ratioSpread(ratios: readonly number[]): string {
  const s = sorted(ratios);
  return `${median(s).toFixed(2)}× (${s[0]!.toFixed(2)}–${s.at(-1)!.toFixed(2)})`;
}
