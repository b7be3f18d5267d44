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

export async function serveCommand(flag: string | undefined, io: Io): Promise<number> {
  const log = createLogger({ level: levelFromEnv(process.env.LOG_LEVEL) });
  const source = configSource(flag);
  let close: () => Promise<void>;
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
    io.out(`Hatrack is listening on ${server.listenUrl} (public URL ${loaded.config.publicUrl})`);
  }
  const stop = async (signal: string) => {
    log.info('shutting down', { signal });
    await close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return 0;
}
