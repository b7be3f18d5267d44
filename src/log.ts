// Structured logging: one JSON object per line on stderr. Values under keys that name secrets are
// replaced before writing, as a second line of defence; callers must not pass secrets at all.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;
export type Sink = (line: string) => void;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const secretKey = /pass(word)?|secret|token|assertion|samlresponse|code_?verifier|cookie|authorization|^code$|sessionkey|credential/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = secretKey.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export function createLogger(options: { level?: Level; sink?: Sink; base?: Fields } = {}): Logger {
  const min = order[options.level ?? 'info'];
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = options.base ?? {};
  const write = (level: Level, msg: string, fields?: Fields) => {
    if (order[level] < min) return;
    const record = { time: new Date().toISOString(), level, msg, ...(redact({ ...base, ...fields }) as Fields) };
    sink(JSON.stringify(record));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ level: options.level, sink, base: { ...base, ...fields } }),
  };
}

export function levelFromEnv(value: string | undefined): Level {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

/** A logger that keeps every line in memory; tests scan it for leaked secrets (SECURITY.md W12). */
export function memoryLogger(level: Level = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger({ level, sink: (l) => lines.push(l) }), { lines });
}
