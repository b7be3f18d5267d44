// A server that is listening before its handler exists (the demo binds its port first, because
// every URL of the configuration is derived from it) holds the requests that arrive meanwhile and
// hands them to the handler once it is attached, instead of leaving them unanswered for ever.
// Requests are held unread, so their bodies wait in the socket like any request's.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

export interface HeldServer {
  /** Hands every held request, and from now on every new one, to `handler`. */
  release(handler: RequestListener): void;
  /** Answers every held request, and any until `release`, with 503: start-up failed. */
  refuse(): void;
}

export function holdRequests(server: Server): HeldServer {
  const held: Array<[IncomingMessage, ServerResponse]> = [];
  let refusing = false;
  const refuse503 = (res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', connection: 'close' }).end('Hatrack did not start.\n');
  };
  const hold: RequestListener = (req, res) => {
    if (refusing) refuse503(res);
    else held.push([req, res]);
  };
  server.on('request', hold);
  return {
    release(handler) {
      server.off('request', hold);
      server.on('request', handler);
      for (const [req, res] of held.splice(0)) handler(req, res);
    },
    refuse() {
      refusing = true;
      for (const [, res] of held.splice(0)) refuse503(res);
    },
  };
}
