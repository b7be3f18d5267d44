// A benchmark child: the ceiling for polling on this machine — a bare node:http server that
// reads each request's body and answers every request with the same 400 authorization_pending
// JSON (RFC 8628 §3.5), with the headers an OAuth token endpoint sends. No routing, no parsing,
// no store: what is left is Node's HTTP stack and the sockets.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from './device-child.ts';

const BODY = JSON.stringify({ error: 'authorization_pending', error_description: 'Waiting for the person to approve the request.' });
const HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': Buffer.byteLength(BODY),
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(400, HEADERS);
    res.end(BODY);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
serveParent(port, { tokenPath: '/oauth/token' }, () => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
}));
