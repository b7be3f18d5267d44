// Child process of bench/login.ts: the offline AWS stand-in (STS AssumeRoleWithSAML, the
// federation endpoint, the console page), trusting the brokers exactly as `hatrack iam-setup`
// tells an administrator to set up IAM.
//
// Served on a server of this file's own rather than the stand-in's `listen`, for one setting: idle
// keep-alive connections stay open for two minutes, longer than any pause in the run, instead of
// Node's default 5 s. With 5 s, a broker's pooled STS socket that sat idle between two phases can
// be closed by the server just as the SDK reuses it: ECONNRESET, which Hatrack (one attempt, no
// retry) answers with a 503 "sts_unreachable: timed out", and the run would stop on a failed login.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../../src/config/load.ts';
import { createAwsStandin } from '../../src/dev/aws-standin/index.ts';
import { registerIamSetup } from '../../src/dev/demo.ts';
import { createLogger } from '../../src/log.ts';
import { serveDriver } from './login-child-ipc.ts';

interface Register {
  config: Record<string, unknown>;
  metadataXml: string;
}

const standin = createAwsStandin({ log: createLogger({ level: 'warn' }) });
const server = createServer(standin.handler);
server.keepAliveTimeout = 120_000;

serveDriver({
  start() {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    });
  },
  register(payload) {
    const { config, metadataXml } = payload as Register;
    registerIamSetup(standin, validateConfig(config, 'login benchmark', {}), metadataXml);
    return true;
  },
}, () => new Promise<void>((resolve) => {
  server.close(() => resolve());
  server.closeAllConnections();
}));
