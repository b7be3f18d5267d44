// `hatrack check-config --online`: what only the network can tell about a configuration — each
// OIDC provider's discovery, JWKS and client credentials, each SAML IdP's sign-in URL, each LDAP
// directory's TLS, service account and base, and STS — as problems naming the setting to fix.
import type { LoadedConfig } from '../config/load.ts';
import { publicBaseUrl } from '../config/derived.ts';
import { stsRegionalEndpoint } from '../aws/partition.ts';
import { connectorsFromConfig } from '../connectors/registry.ts';
import { probeOidc } from '../connectors/oidc/probe.ts';
import { callbackUrl } from '../connectors/upstream.ts';
import { systemClock } from '../clock.ts';
import { createLogger } from '../log.ts';
import { MemoryStore } from '../store/memory.ts';
import type { ConfigProblem } from '../config/problems.ts';
import { probeFetch, unreachable } from './probe.ts';

export async function checkOnline(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  const { config } = loaded;
  const publicUrl = publicBaseUrl(config);
  const store = new MemoryStore({ clock: systemClock, sweepIntervalMs: 0 });
  const log = createLogger({ level: 'error', sink: () => {} });
  const connectors = await connectorsFromConfig(config, { store, clock: systemClock, log, baseDir: loaded.baseDir, publicUrl, decryptionKeys: [] });
  const at = (i: number, setting: string) => `connectors[${i}].${setting}`;

  const checks = config.connectors.map(async (c, i): Promise<ConfigProblem[]> => {
    if (c.type === 'oidc') {
      const connector = connectors.upstream.get(c.id);
      if (connector?.type !== 'oidc') return [];
      return (await probeOidc(connector, callbackUrl(publicUrl, connector))).map((p) => ({ path: at(i, p.setting), message: p.message }));
    }
    if (c.type === 'ldap') {
      const problem = await connectors.password.get(c.id)!.probe();
      return problem ? [{ path: at(i, problem.setting), message: problem.message }] : [];
    }
    if (c.type === 'saml') {
      // The IdP is configured by value; what the network can tell is that its sign-in URL answers.
      try {
        const res = await probeFetch(c.idpSsoUrl);
        await res.body?.cancel();
        return res.status >= 500 ? [{ path: at(i, 'idpSsoUrl'), message: `answers ${res.status}` }] : [];
      } catch (e) {
        return [{ path: at(i, 'idpSsoUrl'), message: `does not answer: ${unreachable(e)}` }];
      }
    }
    return [];
  });

  // STS answers an unsigned request with an error of its own: that is enough to know it is there.
  const sts = (async (): Promise<ConfigProblem[]> => {
    const endpoint = config.aws.stsEndpoint ?? stsRegionalEndpoint(config.aws.region);
    try {
      const res = await probeFetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
      await res.body?.cancel();
      return [];
    } catch (e) {
      return [{ path: config.aws.stsEndpoint ? 'aws.stsEndpoint' : 'aws.region', message: `STS (${endpoint}) does not answer: ${unreachable(e)}` }];
    }
  })();

  const results = await Promise.all([...checks, sts]);
  await store.close();
  return results.flat();
}
