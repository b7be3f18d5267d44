// Child process of bench/login.ts: the dev OpenID provider (the `oidc-provider` package, as the
// demo runs it) with as many people as the run has OIDC logins, so that each login is a person of
// its own.
import { startDevOidcProvider, type DevOidcClient, type DevOidcProvider } from '../../src/dev/oidc-provider.ts';
import { benchPerson } from './login-config.ts';
import { serveDriver } from './login-child-ipc.ts';

interface StartProvider {
  clients: DevOidcClient[];
  people: number;
}

let provider: DevOidcProvider | undefined;

serveDriver({
  async start(payload) {
    const { clients, people } = payload as StartProvider;
    provider = await startDevOidcProvider({ clients, people: Array.from({ length: people }, (_, i) => benchPerson(i)) });
    return { issuer: provider.issuer };
  },
}, async () => {
  await provider?.close();
});
