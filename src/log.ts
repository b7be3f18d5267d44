// Structured logging through pino: one JSON object per line. The operational log goes to stderr;
// the audit trail (`audit()`) to stdout, always at info whatever LOG_LEVEL says, so that it can be
// shipped on its own. Values under keys that name secrets are replaced, at any depth, by a pino
// formatter hook before a line is written: a second line of defence, since callers must not pass
// secrets at all.
import pino, { type DestinationStream } from 'pino';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export type Fields = Record<string, unknown>;
export type Sink = (line: string) => void;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** One audit event, on the audit trail (written before this returns). */
  audit(msg: string, fields: Fields): void;
  child(fields: Fields): Logger;
}

const secretKey = /pass(word)?|secret|token|assertion|samlresponse|code_?verifier|cookie|authorization|^code$|sessionkey|credential|private|keypem|pvk/i;

/** How deep a logged value is written: below, objects are replaced, never written unredacted. */
const MAX_DEPTH = 8;

/** `value` with every field named like a secret replaced, at any depth it is written to. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = secretKey.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** A pino destination that hands each line, without its newline, to `sink`. */
function toSink(sink: Sink): DestinationStream {
  return { write: (line: string) => sink(line.endsWith('\n') ? line.slice(0, -1) : line) };
}

function pinoOn(destination: DestinationStream, level: Level): pino.Logger {
  return pino({
    level,
    base: null,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    // Errors are written as the redaction hook leaves them (name and message), not with pino's stack.
    serializers: { err: (e: unknown) => e },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact(object) as Fields,
    },
  }, destination);
}

function wrap(log: pino.Logger, audit: pino.Logger): Logger {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
    audit: (msg, fields) => audit.info({ audit: true, ...fields }, msg),
    // pino writes a child's fields as they are given: they pass the redaction here.
    child: (fields) => wrap(log.child(redact(fields) as Fields), audit.child(redact(fields) as Fields)),
  };
}

export interface LoggerOptions {
  level?: Level;
  /** Where the operational log goes; default stderr. */
  sink?: Sink;
  /** Where the audit trail goes; default stdout, or `sink` when only that is given. */
  auditSink?: Sink;
  base?: Fields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  // Synchronous writes: a line is out before the call returns, so an audit event precedes the
  // credentials it records, and nothing is lost when the process exits.
  const log = options.sink ? toSink(options.sink) : pino.destination({ fd: 2, sync: true });
  const audit = options.auditSink ? toSink(options.auditSink) : options.sink ? toSink(options.sink) : pino.destination({ fd: 1, sync: true });
  const logger = wrap(pinoOn(log, options.level ?? 'info'), pinoOn(audit, 'info'));
  return options.base ? logger.child(options.base) : logger;
}

export function levelFromEnv(value: string | undefined): Level {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

/** A logger that keeps every line, audit trail included, in memory; tests scan it for leaked secrets (SECURITY.md W12). */
export function memoryLogger(level: Level = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger({ level, sink: (l) => lines.push(l) }), { lines });
}
