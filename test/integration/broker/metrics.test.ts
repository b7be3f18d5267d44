// Metrics: served only on their own listener (the public one has no /metrics), in Prometheus'
// format through prom-client — sign-ins by connector and result, device polls by answer,
// rate-limit refusals, refused requests by code, the time each provider's answer took, and the
// process and event-loop metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import { signInAt } from '../../support/device-approval.ts';
import { testKeys } from '../../support/saml/test-idp.ts';
import { startTestBroker, type TestBroker } from '../../support/test-broker.ts';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker(await testKeys(), { metrics: true, clock: new FixedClock(new Date()) });
});
afterAll(async () => {
  await broker?.stop();
});

const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });

describe('metrics', () => {
  it('are not on the public listener', async () => {
    expect((await fetch(`${broker.url}metrics`)).status).toBe(404);
  });

  it('count sign-ins, polls, refusals and rate limits, time the provider, and carry the process metrics', async () => {
    const alice = broker.people.find((p) => p.username === 'alice')!;
    await signInAt(broker.url, 'alice', alice.password);
    const started = await (await fetch(`${broker.url}oauth/device/code`, form({ client_id: 'hatrack-cli' }))).json() as { device_code: string };
    const poll = form({ client_id: 'hatrack-cli', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.device_code });
    expect((await fetch(`${broker.url}oauth/token`, poll)).status).toBe(400);
    for (let i = 0; i < 31; i++) await fetch(`${broker.url}login/demo`, { redirect: 'manual', headers: { 'x-forwarded-for': '198.51.100.7' } });

    const res = await fetch(broker.hatrack.metricsUrl!);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('hatrack_logins_total{connector="demo",result="ok"} 1');
    expect(text).toContain('hatrack_device_polls_total{result="authorization_pending"} 1');
    expect(text).toContain('hatrack_rate_limit_refusals_total{bucket="login"} 1');
    expect(text).toContain('hatrack_requests_refused_total{code="rate_limited",status="429"} 1');
    expect(text).toMatch(/hatrack_idp_callback_duration_seconds_count\{connector="demo"\} 1\n/);
    expect(text).toContain('# TYPE hatrack_upstream_request_duration_seconds histogram');
    expect(text).toContain('hatrack_process_cpu_user_seconds_total');
    expect(text).toContain('hatrack_nodejs_eventloop_lag_seconds');
    expect((await fetch(broker.hatrack.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
  });
});
