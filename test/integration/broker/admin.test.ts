// /admin/activity: the audit trail for administrators (config `admin.groups`), newest first,
// filtered by person, account and role, paged, each issuance linked to CloudTrail by its access
// key id — never a credential. Others get 403; an admin whose connector can prove MFA must have
// used it (admin.requireMfa).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';
import { csrfOf, signInAt } from '../../support/device-approval.ts';
import type { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { testKeys } from '../../support/saml/test-idp.ts';
import { startTestBroker } from '../../support/test-broker.ts';
import { passwordOf } from '../../e2e/flow.ts';

let demo: TestDemo;
let alice: HeadlessBrowser;
let bob: HeadlessBrowser;
let secret: string;
let accessKeyId: string;
beforeAll(async () => {
  demo = await startTestDemo();
  alice = await signInAt(demo.url, 'alice', passwordOf(demo, 'alice'));
  bob = await signInAt(demo.url, 'bob', passwordOf(demo, 'bob'));
  const page = await (await bob.request(demo.url)).text();
  const keys = await bob.follow(`${demo.url}aws/credentials`, 'http://never.invalid/', { form: { _csrf: csrfOf(page), role: 'arn:aws:iam::222222222222:role/PowerUser' } });
  const html = await keys.response.text();
  secret = /SecretAccessKey(?:&quot;|")\s*:\s*(?:&quot;|")([^&"]+)/.exec(html)![1]!;
  accessKeyId = /AccessKeyId(?:&quot;|")\s*:\s*(?:&quot;|")([^&"]+)/.exec(html)![1]!;
}, 60_000);
afterAll(async () => {
  await demo?.stop();
});

describe('/admin/activity', () => {
  it('shows an admin what happened, newest first, issuances linked to CloudTrail, and no credential', async () => {
    const res = await alice.request(`${demo.url}admin/activity`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const kinds = [...html.matchAll(/data-testid="event-([a-z-]+)"/g)].map((m) => m[1]);
    expect(kinds[0]).toBe('credentials');
    expect(kinds).toEqual(expect.arrayContaining(['sign-in', 'grants-shown', 'credentials', 'config-loaded']));
    expect(html).toContain(`AccessKeyId=${accessKeyId}`);
    expect(html).toContain('SourceIdentity bob@example.com');
    expect(html).not.toContain(secret);
  });

  it('filters by person, account and role', async () => {
    const table = (html: string) => html.slice(html.indexOf('<table'), html.indexOf('</table>'));
    const bobs = table(await (await alice.request(`${demo.url}admin/activity?person=bob`)).text());
    expect(bobs).toContain('bob@example.com');
    expect(bobs).not.toContain('alice@example.com');
    const byRole = await (await alice.request(`${demo.url}admin/activity?role=PowerUser&account=222222222222`)).text();
    expect([...byRole.matchAll(/data-testid="event-([a-z-]+)"/g)].map((m) => m[1])).toEqual(['credentials']);
    expect(await (await alice.request(`${demo.url}admin/activity?account=999999999999`)).text()).toContain('data-testid="no-activity"');
  });

  it('is for admins only, and the picker links to it for them alone', async () => {
    expect(await (await alice.request(demo.url)).text()).toContain('data-testid="admin-links"');
    expect(await (await bob.request(demo.url)).text()).not.toContain('data-testid="admin-links"');
    expect((await bob.request(`${demo.url}admin/activity`)).status).toBe(403);
    expect((await fetch(`${demo.url}admin/activity`)).status).toBe(401);
  });

  it('asks for an MFA sign-in where the connector can prove one (admin.requireMfa)', async () => {
    const broker = await startTestBroker(await testKeys(), { admin: { groups: ['admins'] } });
    try {
      const admin = await signInAt(broker.url, 'alice', broker.people.find((p) => p.username === 'alice')!.password);
      const res = await admin.request(`${broker.url}admin/activity`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('admin_mfa_required');
    } finally {
      await broker.stop();
    }
  });
});

describe('/admin/access', () => {
  it('shows the people seen lately × their roles, each cell the granting rule, from the current rules', async () => {
    const res = await alice.request(`${demo.url}admin/access`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const row = (email: string) => { const start = html.indexOf(`data-testid="person-${email}"`); return html.slice(start, html.indexOf('</tr>', start)); };
    expect(row('alice@example.com')).toContain('<code>roles[0]</code>');
    expect(row('bob@example.com')).toContain('<code>roles[2]</code>');
    expect(row('bob@example.com')).not.toContain('roles[0]');
  });

  it('explains any person and groups typed in, as hatrack explain does', async () => {
    const html = await (await alice.request(`${demo.url}admin/access?email=someone%40example.com&groups=admins&connector=demo`)).text();
    expect(html).toContain('data-testid="trace"');
    expect(html).toMatch(/roles\[0\]<\/code> granted/);
    expect(html).toMatch(/roles\[1\]<\/code> mfa-required/);
  });

  it('is for admins only', async () => {
    expect((await bob.request(`${demo.url}admin/access`)).status).toBe(403);
  });
});
