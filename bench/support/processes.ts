// What every process-level benchmark needs around the processes it runs: one list of undo steps
// (children to stop, directories to remove) run however the run ends, a free port, stopping a child
// for sure, and the positive whole numbers the scripts read from the environment.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Undo steps, run newest first; run() does them once however often it is called. */
export class Cleanup {
  readonly #steps: Array<() => void | Promise<void>> = [];
  #ran = false;

  add(step: () => void | Promise<void>): void {
    this.#steps.push(step);
  }

  /** A new temporary directory, removed at clean-up. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.add(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Ctrl-C or SIGTERM cleans up, then exits as a signalled process does. */
  runOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  async run(): Promise<void> {
    if (this.#ran) return;
    this.#ran = true;
    for (const step of this.#steps.reverse()) {
      try {
        await step();
      } catch (e) {
        console.error(`clean-up step failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Whether `child` exits within `ms`. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. Resolves once it exited. */
export async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
  }
}

/** The environment variable `name` as a positive whole number, else `fallback`. */
export function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${value}`);
  return n;
}

/**
 * Runs a benchmark's `main` with a clean-up list that is run however it ends (success, failure,
 * Ctrl-C); a failure sets the exit code and prints its message, not a stack.
 */
export async function runWithCleanup(main: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.runOnSignals();
  try {
    await main(cleanup);
  } catch (e) {
    process.exitCode = 1;
    console.error(e instanceof Error ? e.message : e);
  } finally {
    await cleanup.run();
  }
}
