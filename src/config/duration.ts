// Durations in config are seconds as a number, or a string such as "900s", "15m", "8h".

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds for a config duration, or undefined when the text is not a duration. */
export function parseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+)\s*([smhd])?$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * unitSeconds[m[2] ?? 's']!;
}
