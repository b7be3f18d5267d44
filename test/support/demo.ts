// Starts the built-in demo on free ports for a test file, with its keys in a temp directory and
// its log captured in memory (so tests can scan it for leaked secrets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { memoryLogger } from '../../src/log.ts';
import { startDemo, type DemoOptions, type RunningDemo } from '../../src/dev/demo.ts';

export interface TestDemo extends RunningDemo {
  logLines: string[];
  keyPrefix?: string;
  stop(): Promise<void>;
}

export async function startTestDemo(options: { redisUrl?: string } & Pick<DemoOptions, 'device' | 'standin' | 'moreConnectors'> = {}): Promise<TestDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-demo-'));
  const log = memoryLogger();
  const keyPrefix = options.redisUrl ? `hatrack-test-${randomBytes(4).toString('hex')}:` : undefined;
  const demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    log,
    baseDir: dir,
    store: options.redisUrl ? { redis: options.redisUrl, keyPrefix } : undefined,
    device: options.device,
    standin: options.standin,
    moreConnectors: options.moreConnectors,
  });
  return {
    ...demo,
    logLines: log.lines,
    keyPrefix,
    async stop() {
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
