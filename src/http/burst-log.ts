// A burst of identical failures — the store down under load answers every request 503 — is
// logged as its first line, then one summary per window with how many more there were and a few
// of their references, instead of line for line (thousands a second). Each request's reference
// is still on its error page, and each refused sign-in is still in the audit trail.
import type { Fields, Logger } from '../log.ts';

export type BurstLevel = 'warn' | 'error';

interface Run {
  level: BurstLevel;
  msg: string;
  fields: Fields;
  more: number;
  references: string[];
}

/** How many references a summary lists, of the requests it stands for. */
const SAMPLE = 5;

export interface BurstLog {
  /** Logs `msg` unless a line with the same `key` was logged in this window; then counts it. */
  log(level: BurstLevel, key: string, msg: string, fields: Fields): void;
  /** Writes the pending summaries now (for tests; a summary pending at exit is lost, its first line is not). */
  flush(): void;
}

export function burstLog(log: Logger, windowMs = 10_000): BurstLog {
  const runs = new Map<string, Run>();
  const summarise = (key: string) => {
    const run = runs.get(key);
    runs.delete(key);
    if (!run || run.more === 0) return;
    log[run.level](`${run.msg}: ${run.more} more like it in the last ${Math.round(windowMs / 1000)} s`, {
      errorCode: run.fields.errorCode, status: run.fields.status, repeated: run.more, references: run.references,
    });
  };
  return {
    log(level, key, msg, fields) {
      const run = runs.get(key);
      if (run) {
        run.more++;
        if (run.references.length < SAMPLE && typeof fields.reference === 'string') run.references.push(fields.reference);
        return;
      }
      log[level](msg, fields);
      runs.set(key, { level, msg, fields, more: 0, references: [] });
      setTimeout(() => summarise(key), windowMs).unref();
    },
    flush() {
      for (const key of [...runs.keys()]) summarise(key);
    },
  };
}
