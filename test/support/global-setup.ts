// Runs once before the suite: refuses to start when a system program the tests need is missing
// (never skip silently), compiles src/ to dist/ (the `hatrack` command the CLI tests run is the
// compiled one, as installed), and starts a private redis-server on a free port unless REDIS_URL
// is set.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { systemPrerequisites } from './prerequisites.ts';
import { freePort } from './redis.ts';

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).trim() === 'PONG') return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

export default async function setup(project: TestProject) {
  const missing = systemPrerequisites().filter((p) => !p.found);
  if (missing.length > 0) {
    const lines = missing.map((p) => `  - ${p.name}: ${p.why} (Debian: apt-get install -y ${p.debian})`);
    throw new Error(`The tests need system programs that are missing:\n${lines.join('\n')}`);
  }

  // Fresh compiled code for every run: a test of the command must not run yesterday's build.
  execFileSync(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--daemonize', 'yes', '--dir', dir, '--pidfile', join(dir, 'pid'),
  ], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  await waitForPing(port);
  project.provide('redisUrl', `redis://127.0.0.1:${port}`);

  return () => {
    const pidFile = join(dir, 'pid');
    if (existsSync(pidFile)) {
      try { process.kill(Number(readFileSync(pidFile, 'utf8').trim())); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
