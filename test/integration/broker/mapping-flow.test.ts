// The rules' settings reach AWS through the whole broker: the demo's stand-in trusts roles through
// the policies `hatrack iam-setup` writes; a rule's session tags are minted (and audited), and its
// console destination is where the console opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { startTestDemo, type TestDemo } from '../../support/demo.ts';

let demo: TestDemo;

beforeAll(async () => {
  demo = await startTestDemo();
});
afterAll(async () => {
  await demo?.stop();
});

async function signedIn(name: string) {
  const browser = new HeadlessBrowser();
  const start = await browser.follow(`${demo.url}login/demo`, `${demo.url}oidc/`);
  await start.response.text();
  const password = demo.people.find((p) => p.username === name)!.password;
  const back = await browser.follow(start.url, `${demo.url}oidc/`, { form: { prompt: 'login', login: name, password } });
  const page = await (await browser.follow(back.url, 'http://never.invalid/')).response.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const cookie = [...browser.cookies(new URL(demo.url).origin)].map(([k, v]) => `${k}=${v}`).join('; ');
  return (path: string, form: Record<string, string>) => fetch(new URL(path, demo.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, accept: 'application/json' },
    body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
  });
}

const READONLY = 'arn:aws:iam::111111111111:role/ReadOnly';
const POWERUSER = 'arn:aws:iam::222222222222:role/PowerUser';

describe('rule settings through the broker', () => {
  it('mints the rule\'s session tags, which the iam-setup trust policy accepts, and audits them', async () => {
    const post = await signedIn('bob');
    const res = await post('/aws/credentials', { role: POWERUSER });
    expect(res.status).toBe(200);
    const audit = demo.logLines.filter((l) => l.includes('"audit":true') && l.includes('"result":"issued"') && l.includes(POWERUSER)).map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ sourceIdentity: 'bob@example.com', sessionDuration: 14400, rule: 2, sessionTags: { team: 'power-users', email: 'bob@example.com' } });
  });

  it('opens the console where the rule says, in the region asked for, and on a console page asked for', async () => {
    const post = await signedIn('carla');
    const destination = async (form: Record<string, string>) => {
      const res = await post('/aws/console', { role: READONLY, ...form });
      expect(res.status).toBe(303);
      return new URL(res.headers.get('location')!).searchParams.get('Destination');
    };
    expect(await destination({})).toBe('https://console.aws.amazon.com/cloudtrailv2/home');
    expect(await destination({ region: 'eu-west-1' })).toBe('https://console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1');
    expect(await destination({ destination: 'https://eu-west-1.console.aws.amazon.com/s3/home' })).toBe('https://eu-west-1.console.aws.amazon.com/s3/home');
    expect((await post('/aws/console', { role: READONLY, destination: 'https://evil.example/' })).status).toBe(400);
  });
});
