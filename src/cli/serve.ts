// `hatrack serve` (and `npm start`): run the broker from a configuration file, or the demo.
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/load.ts';
import { createLogger, levelFromEnv } from '../log.ts';
import { startHatrack } from '../main.ts';
import { configSource } from './config-source.ts';
import type { Io } from './main.ts';

function port(env: NodeJS.ProcessEnv): number {
  if (env.PORT === undefined || env.PORT.trim() === '') return 3000;
  const p = Number(env.PORT);
  if (!/^\d+$/.test(env.PORT.trim()) || p > 65535) throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  return p;
}

/**
 * How long a stopping process waits for the requests in flight: below the 30 s a container
 * orchestrator usually gives between SIGTERM and SIGKILL.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/** How long /readyz says "not ready" before new connections are refused: load balancers' probes notice it. */
export const SHUTDOWN_NOT_READY_MS = 2000;

export async function serveCommand(flag: string | undefined, io: Io): Promise<number> {
  const log = createLogger({ level: levelFromEnv(process.env.LOG_LEVEL) });
  const source = configSource(flag);
  let close: (options: { graceMs: number; notReadyMs: number }) => Promise<void>;
  if (source.kind === 'demo') {
    // Only the demo loads the demo (and its stand-ins): a real configuration never does.
    const { startDemo } = await import('../dev/demo.ts');
    const demo = await startDemo({ port: port(process.env), log });
    close = demo.close;
    io.out(demo.banner);
  } else {
    const loaded = loadConfigFile(source.path);
    log.info('serving configuration', { file: resolve(source.path), baseDir: loaded.baseDir });
    const server = await startHatrack(loaded, { port: port(process.env), log });
    close = server.close;
    // On stderr: stdout carries the audit trail, one JSON event per line.
    io.err(`Hatrack is listening on ${server.listenUrl} (public URL ${loaded.config.publicUrl})`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    // A second signal while draining (Ctrl-C twice) stops at once.
    if (stopping) process.exit(1);
    stopping = true;
    log.info('shutting down: not ready, then no new connections, finishing the requests in flight', { signal, notReadyMs: SHUTDOWN_NOT_READY_MS, graceMs: SHUTDOWN_GRACE_MS });
    await close({ graceMs: SHUTDOWN_GRACE_MS, notReadyMs: SHUTDOWN_NOT_READY_MS }).catch(() => undefined);
    log.info('stopped', { signal });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return 0;
}
