// Entitlements come from the identity stored with the broker token and the rules of the broker
// answering now: a person logged in under one set of rules sees the next set at their next
// command, without logging in again — here across a broker restart on the same Redis, which is
// also a second broker process serving a token the first one issued.
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hatrack, newTerminal, startLogin } from '../support/cli-user.ts';
import { approveAs } from '../support/device-approval.ts';
import { testKeys } from '../support/saml/test-idp.ts';
import { startTestBroker, type TestBroker } from '../support/test-broker.ts';

let broker: TestBroker | undefined;
afterAll(async () => { await broker?.stop(); });

describe('a rule change reaches a logged-in CLI', { timeout: 90_000 }, () => {
  it('the next `hatrack roles` and `hatrack creds` follow the new rules, with the same login', async () => {
    const k = await testKeys();
    const shared = { redisUrl: inject('redisUrl'), keyPrefix: `hatrack-rules-${randomBytes(4).toString('hex')}:`, device: { interval: 1 } };
    broker = await startTestBroker(k, { ...shared, moreRoles: [{ group: 'power-users', connector: 'demo', role: 'arn:aws:iam::{prod}:role/Builder' }] });
    const port = Number(new URL(broker.url).port);
    const t = newTerminal(broker.url);
    try {
      const pending = await startLogin(t);
      const bob = broker.people.find((p) => p.username === 'bob')!;
      await approveAs(broker.url, 'bob', bob.password, pending.userCode);
      expect((await pending.finished).code).toBe(0);
      const before = await hatrack(t, ['roles']);
      expect(before.stdout).toContain('prod/Builder');

      // The administrator replaces the Builder rule with a Tester rule and restarts the broker.
      await broker.stop();
      broker = await startTestBroker(k, { ...shared, port, moreRoles: [{ group: 'power-users', connector: 'demo', role: 'arn:aws:iam::{prod}:role/Tester' }] });
      const after = await hatrack(t, ['roles']);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).toContain('prod/Tester');
      expect(after.stdout).not.toContain('Builder');
      const refused = await hatrack(t, ['creds', '--role', 'prod/Builder']);
      expect(refused.code).toBe(5);
    } finally {
      rmSync(t.home, { recursive: true, force: true });
    }
  });
});
