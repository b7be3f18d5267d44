// Child process of bench/login.ts: one Hatrack broker, started as a deployment starts it
// (validateConfig, then startHatrack from src/main.ts), logging as `hatrack serve` does (operational
// log on stderr, audit trail on stdout; both go to a file in the run's temp directory).
import { validateConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startHatrack, type RunningHatrack } from '../../src/main.ts';
import { serveDriver } from './login-child-ipc.ts';

interface StartBroker {
  config: Record<string, unknown>;
  /** Where the signing keys are (certs/), shared by every broker process of the run. */
  baseDir: string;
}

let hatrack: RunningHatrack | undefined;

serveDriver({
  async start(payload) {
    const { config, baseDir } = payload as StartBroker;
    const loaded = validateConfig(config, 'login benchmark', {}, baseDir);
    hatrack = await startHatrack(loaded, { port: 0, host: '127.0.0.1', log: createLogger({ level: 'info' }), baseDir });
    return { listenUrl: hatrack.listenUrl, metadataXml: hatrack.idpMetadataXml };
  },
}, async () => {
  await hatrack?.close();
});
