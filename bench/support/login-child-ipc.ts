// The child side of the login benchmark's processes: answers the driver's requests over the IPC
// channel `fork` opens. Every child answers `cpu` with its own process.cpuUsage() and `stop` by
// closing its servers and exiting; a child whose driver has gone exits too, so none is left behind.

export type Handler = (payload: unknown) => unknown;

interface Request {
  id: number;
  type: string;
  payload?: unknown;
}

function reply(message: unknown): void {
  if (process.connected) process.send!(message);
}

/** Serves `handlers` (by request type) until `stop` arrives or the driver disconnects. */
export function serveDriver(handlers: Record<string, Handler>, close: () => Promise<void>): void {
  if (!process.send) throw new Error('this module runs as a child of bench/login.ts');
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await close().catch(() => undefined);
    process.exit(code);
  };
  process.on('disconnect', () => void stop(0));
  process.on('message', (raw) => {
    const request = raw as Request;
    if (request.type === 'cpu') return reply({ id: request.id, ok: true, value: process.cpuUsage() });
    if (request.type === 'stop') {
      reply({ id: request.id, ok: true });
      return void stop(0);
    }
    const handler = handlers[request.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no handler for ${request.type}`);
        return handler(request.payload);
      })
      .then(
        (value) => reply({ id: request.id, ok: true, value }),
        (e: unknown) => reply({ id: request.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
      );
  });
}
