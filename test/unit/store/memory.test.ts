import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { HatrackError } from '../../../src/errors.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeStoreContract } from './contract.ts';

const T0 = new Date('2026-01-01T00:00:00Z');

describeStoreContract('MemoryStore', async () => {
  const clock = new FixedClock(T0);
  const store = new MemoryStore({ clock, keyPrefix: 'hatrack:' });
  const siblings: Store[] = [];
  return {
    store,
    advance: (ms) => clock.advance(ms),
    async sibling(keyPrefix = 'hatrack:') {
      const s = new MemoryStore({ clock, keyPrefix, shareWith: store });
      siblings.push(s);
      return s;
    },
    async cleanup() {
      await Promise.all([store, ...siblings].map((s) => s.close()));
    },
  };
});

describe('MemoryStore specifics', () => {
  it('an entry is live until the very millisecond its TTL ends', async () => {
    const clock = new FixedClock(T0);
    const store = new MemoryStore({ clock });
    await store.set('k', 'v', 1000);
    clock.advance(999);
    expect(await store.get('k')).toBe('v');
    clock.advance(1);
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  it('sweep drops expired entries that nobody reads, and keeps live ones', async () => {
    const clock = new FixedClock(T0);
    const store = new MemoryStore({ clock });
    await store.set('a', '1', 100);
    await store.set('b', '2', 100);
    await store.set('c', '3', 10_000);
    clock.advance(500);
    expect(store.size).toBe(3);
    expect(store.sweep()).toBe(2);
    expect(store.size).toBe(1);
    expect(await store.get('c')).toBe('3');
    await store.close();
  });

  it('the periodic sweep runs by itself', async () => {
    const clock = new FixedClock(T0);
    const store = new MemoryStore({ clock, sweepIntervalMs: 10 });
    await store.set('a', '1', 100);
    clock.advance(500);
    await new Promise((r) => setTimeout(r, 100));
    expect(store.size).toBe(0);
    await store.close();
  });

  it('a full store refuses a new key with store_unavailable rather than evicting one', async () => {
    const clock = new FixedClock(T0);
    const store = new MemoryStore({ clock, maxEntries: 3 });
    for (const k of ['replay:1', 'replay:2', 'replay:3']) await store.set(k, 'seen', 10_000);
    const err = await store.setIfAbsent('replay:4', 'seen', 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HatrackError);
    expect((err as HatrackError).code).toBe('store_unavailable');
    for (const k of ['replay:1', 'replay:2', 'replay:3']) expect(await store.get(k)).toBe('seen');
    // Existing keys can still be rewritten, counted and consumed.
    await store.set('replay:1', 'again', 10_000);
    expect(await store.consume('replay:1')).toBe('again');
    await store.close();
  });

  it('a full store sweeps expired entries to make room', async () => {
    const clock = new FixedClock(T0);
    const store = new MemoryStore({ clock, maxEntries: 2, sweepIntervalMs: 0 });
    await store.set('old', '1', 100);
    await store.set('live', '2', 10_000);
    clock.advance(200);
    await store.set('new', '3', 10_000);
    expect(await store.get('new')).toBe('3');
    expect(await store.get('live')).toBe('2');
    await store.close();
  });

  it('the sweep timer does not keep the process alive', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const code = [
      // The compiled store (global setup builds dist/), as an installed Hatrack runs it.
      "import { MemoryStore } from './dist/store/memory.js';",
      "import { systemClock } from './dist/clock.js';",
      "const store = new MemoryStore({ clock: systemClock, sweepIntervalMs: 50 });",
      "await store.set('k', 'v', 60000);",
      "console.log('started');",
    ].join('\n');
    const { exitCode, stdout } = await new Promise<{ exitCode: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', code],
        { cwd: root, timeout: 20_000 }, (err, out) => resolve({ exitCode: err ? (child.exitCode ?? -1) : 0, stdout: out }));
    });
    expect(stdout.trim()).toBe('started');
    expect(exitCode).toBe(0);
  });
});
