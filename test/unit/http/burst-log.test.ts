// A burst of identical failures becomes its first line and one summary per window, with how many
// more there were and a few references; different failures are logged apart.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { burstLog } from '../../../src/http/burst-log.ts';
import { memoryLogger } from '../../../src/log.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('burstLog', () => {
  it('logs the first of 10 000 identical failures, then one summary for the window', () => {
    const log = memoryLogger();
    const burst = burstLog(log, 10_000);
    for (let i = 0; i < 10_000; i++) burst.log('warn', 'store_unavailable:503', 'request refused', { errorCode: 'store_unavailable', status: 503, reference: `r${i}` });
    expect(log.lines).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    const [first, summary] = parsed(log.lines);
    expect(first).toMatchObject({ msg: 'request refused', reference: 'r0' });
    expect(summary).toMatchObject({ level: 'warn', msg: 'request refused: 9999 more like it in the last 10 s', repeated: 9999, references: ['r1', 'r2', 'r3', 'r4', 'r5'] });
    // The next one, in a new window, is logged again.
    burst.log('warn', 'store_unavailable:503', 'request refused', { reference: 'later' });
    expect(parsed(log.lines)[2]).toMatchObject({ reference: 'later' });
  });

  it('logs different failures apart, and a lone one without a summary', () => {
    const log = memoryLogger();
    const burst = burstLog(log, 10_000);
    burst.log('warn', 'a', 'request refused', { errorCode: 'a' });
    burst.log('error', 'b', 'request failed', { errorCode: 'b' });
    vi.advanceTimersByTime(10_000);
    expect(parsed(log.lines).map((l) => l.errorCode)).toEqual(['a', 'b']);
    burst.log('warn', 'a', 'request refused', { errorCode: 'a' });
    burst.log('warn', 'a', 'request refused', { errorCode: 'a' });
    burst.flush();
    expect(parsed(log.lines).at(-1)).toMatchObject({ repeated: 1 });
  });
});
