// A benchmark child: one Hatrack broker, started as a deployment starts it (validateConfig +
// startHatrack) from bench/support/device-broker-config.ts, with the options the harness passes
// in $HATRACK_BENCH_BROKER. Logs at warn on stderr; the audit trail goes to stdout, which the
// harness discards. Answers the harness's usage requests over IPC (device-child.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startHatrack } from '../../src/main.ts';
import { BENCH_IDP, BROKER_OPTIONS_ENV, brokerConfig, type BrokerBenchOptions } from './device-broker-config.ts';
import { serveParent } from './device-child.ts';

const options = JSON.parse(process.env[BROKER_OPTIONS_ENV] ?? 'null') as BrokerBenchOptions | null;
if (!options) throw new Error(`${BROKER_OPTIONS_ENV} is not set`);

// Listening first: the public URL (and with it the SAML ACS URL and audience) names the port.
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const publicUrl = `http://127.0.0.1:${port}`;
const loaded = validateConfig(brokerConfig(publicUrl, options), 'benchmark broker', {}, options.dir);
const hatrack = await startHatrack(loaded, { port: 0, log: createLogger({ level: 'warn' }), baseDir: options.dir, server });

serveParent(port, {
  publicUrl,
  acsUrl: `${publicUrl}/saml/${BENCH_IDP.connectorId}/acs`,
  spEntityId: `${publicUrl}/saml/${BENCH_IDP.connectorId}/metadata`,
}, () => hatrack.close());
