// The child side of device-processes.ts, for each server script a benchmark forks: say `ready`
// with the port, answer `usage` requests (CPU time and memory, after forced GCs when asked and
// the process runs with --expose-gc), and stop when the parent goes away or asks.
import type { ChildMessage, GcFlavor } from './device-processes.ts';

type UsageRequest = { type: 'usage'; id: number; gc?: GcFlavor };

function send(message: ChildMessage): void {
  process.send?.(message);
}

type GcFunction = (options?: { type: 'major'; execution: 'sync'; flavor: GcFlavor }) => void;

/** Two full collections, with a turn of the event loop between them so that finalizers run. */
async function collectGarbage(flavor: GcFlavor): Promise<void> {
  const gc = (globalThis as { gc?: GcFunction }).gc;
  if (!gc) throw new Error('usage with gc needs node --expose-gc');
  gc({ type: 'major', execution: 'sync', flavor });
  await new Promise((resolve) => setImmediate(resolve));
  gc({ type: 'major', execution: 'sync', flavor });
}

async function answerUsage(request: UsageRequest): Promise<void> {
  if (request.gc) await collectGarbage(request.gc);
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  send({ type: 'usage', id: request.id, cpuMicros: cpu.user + cpu.system, rss: memory.rss, heapTotal: memory.heapTotal, heapUsed: memory.heapUsed, external: memory.external });
}

/**
 * Reports the server ready and serves the parent's requests from then on. `stop` runs when the
 * parent disconnects or sends SIGTERM; the process exits after it.
 */
export function serveParent(port: number, detail: Record<string, unknown>, stop: () => Promise<void>): void {
  if (!process.send) throw new Error('this script is a benchmark child: run it through bench/device-poll.ts or bench/memory.ts');
  process.on('message', (m: UsageRequest) => {
    if (m.type === 'usage') void answerUsage(m);
  });
  let stopping = false;
  const exit = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    void stop().finally(() => process.exit(0));
  };
  process.on('disconnect', exit);
  process.on('SIGTERM', exit);
  send({ type: 'ready', port, ...detail });
}
