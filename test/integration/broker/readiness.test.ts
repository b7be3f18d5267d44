// /readyz: ready only when the store answers and every connector's provider configuration is
// loaded (OIDC discovery); each check named, so an operator sees which one fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKeys } from '../../support/saml/test-idp.ts';
import { startTestBroker, type TestBroker } from '../../support/test-broker.ts';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker(await testKeys(), {
    moreConnectors: [{ id: 'gone', type: 'oidc', issuer: 'http://127.0.0.1:9', clientId: 'c', clientSecret: 's', allowInsecureHttp: true }],
  });
});
afterAll(async () => {
  await broker?.stop();
});

describe('/readyz', () => {
  it('names the connector whose provider cannot be loaded, and is not ready; /healthz still is', async () => {
    const res = await fetch(`${broker.url}readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready', reason: 'connector:gone unavailable',
      checks: { signingKey: 'ok', store: 'ok', 'connector:demo': 'ok', 'connector:gone': 'unavailable' },
    });
    expect((await fetch(`${broker.url}healthz`)).status).toBe(200);
  });
});
