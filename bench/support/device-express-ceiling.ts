// A benchmark child: the ceiling for polling through Express — an Express 5 app with the same
// body parsers, `trust proxy` and kept-alive router Hatrack puts in front of its token endpoint,
// answering every poll with the same fixed authorization_pending JSON. Between this and the bare
// node:http ceiling lies what Express itself costs; between this and Hatrack, what Hatrack's own
// work costs (request id, security headers, rate limit, the store, the device flow).
import type { AddressInfo } from 'node:net';
import express from 'express';
import { serveParent } from './device-child.ts';

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 'loopback');
const router = express.Router();
router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
router.use(express.json({ limit: '16kb' }));
router.post('/oauth/token', (req, res) => {
  void req.ip; // as Hatrack's rate limit reads it, through `trust proxy`
  res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
  res.status(400).json({ error: 'authorization_pending', error_description: 'Waiting for the person to approve the request.' });
});
app.use('/', router);

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const { port } = server.address() as AddressInfo;
serveParent(port, { tokenPath: '/oauth/token' }, () => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
}));
