// The SAML ACS of the running broker, over HTTP with sessions in Redis: a tile response posted 20
// times at once signs in exactly once (S29), with no cookie at all (W2); junk and oversize bodies
// are refused without a session.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';
import { tileResponse as tileResponseAt } from '../../support/tile.ts';

let demo: TestDemo;

beforeAll(async () => {
  demo = await startTestDemo({ redisUrl: inject('redisUrl') });
});
afterAll(async () => {
  await demo?.stop();
});

/** Alice at the stand-in Google clicks the tile. */
const tileResponse = () => tileResponseAt(demo.samlIdp, 'alice', demo.people.find((p) => p.username === 'alice')!.password);

function post(action: string, body: string) {
  return fetch(action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' }, body });
}

describe('the SAML ACS', () => {
  it('publishes SP metadata naming its entity ID and ACS', async () => {
    const res = await fetch(`${demo.url}saml/google/metadata`);
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await res.text();
    expect(xml).toContain(`entityID="${demo.url}saml/google/metadata"`);
    expect(xml).toContain(`Location="${demo.url}saml/google/acs"`);
  });

  it('S29 the same tile response posted 20 times at once signs in exactly once, with no cookie (W2)', async () => {
    const { action, form } = await tileResponse();
    expect(action).toBe(`${demo.url}saml/google/acs`);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(action, form.toString())));
    const ok = answers.filter((r) => r.status === 303);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.headers.get('location')).toBe(demo.url);
    expect(ok[0]!.headers.getSetCookie().some((c) => c.startsWith('hatrack='))).toBe(true);
    const refused = answers.filter((r) => r.status !== 303);
    expect(refused.map((r) => r.status)).toEqual(Array(19).fill(401));
    for (const r of refused) {
      expect(r.headers.getSetCookie()).toEqual([]);
      expect(await r.text()).toContain('saml_replayed');
    }
    // The one session is alice's.
    const cookie = ok[0]!.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(await (await fetch(demo.url, { headers: { cookie } })).text()).toContain('alice@example.com');
  });

  it('S33 refuses junk base64 with 400 and no session', async () => {
    const res = await post(`${demo.url}saml/google/acs`, new URLSearchParams({ SAMLResponse: '!!!not base64!!!' }).toString());
    expect(res.status).toBe(400);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('S33 refuses an oversize body with 413', async () => {
    const res = await post(`${demo.url}saml/google/acs`, new URLSearchParams({ SAMLResponse: 'A'.repeat(600_000) }).toString());
    expect(res.status).toBe(413);
  });
});
