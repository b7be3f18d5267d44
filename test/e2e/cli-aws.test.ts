// The `hatrack` CLI with the real AWS CLI v2 and the AWS SDK for JavaScript against the demo's
// offline AWS: profiles written by `hatrack configure`, keys through credential_process with a
// cold cache, a warm one and past the refresh point, and through the container credentials
// endpoint of `hatrack exec` across a key's expiry. The stand-in issues keys that live 315 s, so
// the CLI's five-minute refresh margin is reached after 15 s instead of 10 minutes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleRecorder } from '../support/resolved-modules.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { hatrack, loggedInTerminal, type Terminal } from '../support/cli-user.ts';
import { AWS_CLI } from '../support/prerequisites.ts';
import { passwordOf } from './flow.ts';
import { execFile } from 'node:child_process';

const KEY_LIFETIME_S = 315;
const FRESH_MS = (KEY_LIFETIME_S - 300) * 1000;

let demo: TestDemo;
let alice: Terminal;

beforeAll(async () => {
  demo = await startTestDemo({ device: { interval: 1 }, standin: { maxCredentialSeconds: KEY_LIFETIME_S } });
  alice = await loggedInTerminal(demo.url, 'alice', passwordOf(demo, 'alice'));
}, 60_000);
afterAll(async () => {
  await demo?.stop();
  rmSync(alice.home, { recursive: true, force: true });
}, 60_000);

/** Keys the broker handed to the CLI so far (its audit trail, via cli). */
function cliIssuances(): number {
  return demo.logLines.filter((l) => l.includes('"msg":"audit credentials issued"') && l.includes('"via":"cli"')).length;
}

function aws(t: Terminal, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(AWS_CLI, [...args, '--endpoint-url', demo.standinUrl, '--output', 'json'], { env: { ...t.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hatrack configure and the AWS CLI', { timeout: 120_000 }, () => {
  const own = '[default]\nregion = eu-west-1\noutput = json\n\n# my own notes\n[profile mine]\nregion = eu-central-1\ncli_pager =\n';

  it('configure --all writes one credential_process profile per role into ~/.aws/config, keeps the rest, and is re-runnable', async () => {
    mkdirSync(join(alice.home, '.aws'), { recursive: true });
    writeFileSync(alice.env.AWS_CONFIG_FILE!, own);
    const first = await hatrack(alice, ['configure', '--all']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('prod-Admin');
    expect(first.stdout).toContain('dev-Admin');
    const written = readFileSync(alice.env.AWS_CONFIG_FILE!, 'utf8');
    expect(written.startsWith(own)).toBe(true);
    expect(written).toContain('[profile prod-Admin]\ncredential_process = ');
    expect(written).toMatch(/creds --role arn:aws:iam::111111111111:role\/Admin\nregion = us-east-1\n/);
    const again = await hatrack(alice, ['configure', '--all']);
    expect(again.code).toBe(0);
    expect(readFileSync(alice.env.AWS_CONFIG_FILE!, 'utf8')).toBe(written);
  });

  it('configure --role --profile names one profile; a region the person set there stays', async () => {
    writeFileSync(alice.env.AWS_CONFIG_FILE!, `${own}\n[profile work]\nregion = ap-south-1\n`);
    const r = await hatrack(alice, ['configure', '--role', 'dev/Admin', '--profile', 'work']);
    expect(r.code, r.stderr).toBe(0);
    const written = readFileSync(alice.env.AWS_CONFIG_FILE!, 'utf8');
    expect(written).toContain('[profile work]\nregion = ap-south-1\ncredential_process = ');
    expect(written).toContain('creds --role arn:aws:iam::222222222222:role/Admin\n');
    expect(written.match(/region = /g)).toHaveLength(3);
  });

  it('sts get-caller-identity with the profile: cold cache fetches, warm cache does not, past the refresh point fetches again', async () => {
    await hatrack(alice, ['configure', '--all']);
    const before = cliIssuances();
    const cold = await aws(alice, ['sts', 'get-caller-identity', '--profile', 'prod-Admin']);
    const coldAt = Date.now();
    expect(cold.code, cold.stderr).toBe(0);
    expect(JSON.parse(cold.stdout).Arn).toBe('arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com');
    expect(cliIssuances()).toBe(before + 1);

    const warm = await aws(alice, ['sts', 'get-caller-identity', '--profile', 'prod-Admin']);
    expect(warm.code, warm.stderr).toBe(0);
    expect(Date.now() - coldAt, 'the warm call ran inside the fresh window').toBeLessThan(FRESH_MS);
    expect(cliIssuances()).toBe(before + 1);

    // The cache files are the person's alone.
    const cache = join(alice.configDir, 'hatrack', 'cache');
    expect(statSync(cache).mode & 0o777).toBe(0o700);

    await sleep(Math.max(0, coldAt + FRESH_MS + 500 - Date.now()));
    const refreshed = await aws(alice, ['sts', 'get-caller-identity', '--profile', 'prod-Admin']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(JSON.parse(refreshed.stdout).Arn).toBe('arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com');
    expect(cliIssuances()).toBe(before + 2);
  });

  it('ten concurrent `hatrack creds` for one role make one API call and print the same keys', async () => {
    const before = cliIssuances();
    const runs = await Promise.all(Array.from({ length: 10 }, () => hatrack(alice, ['creds', '--role', 'dev/Admin', '--duration', '15m'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const keys = new Set(runs.map((r) => (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId));
    expect(keys.size).toBe(1);
    expect(cliIssuances()).toBe(before + 1);
    const doc = JSON.parse(runs[0]!.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
  });

  it('--format env and credentials print the same keys as shell exports and a credentials-file block', async () => {
    const env = await hatrack(alice, ['creds', '--role', 'dev/Admin', '--duration', '15m', '--format', 'env']);
    expect(env.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='[^']+'\nexport AWS_SECRET_ACCESS_KEY=/);
    expect(env.stdout).toContain("export AWS_REGION='us-east-1'");
    const file = await hatrack(alice, ['creds', '--role', 'dev/Admin', '--duration', '15m', '--format', 'credentials']);
    expect(file.stdout).toMatch(/^\[[A-Za-z0-9_+=,.@-]+\]\n# expires /);
  });
});

describe('a cache hit', { timeout: 60_000 }, () => {
  it('of `hatrack creds` makes no API call and loads no server code, no HTTP client and no dependency: four small modules of the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-resolve-'));
    try {
      const recorder = moduleRecorder(dir);
      const warm = await hatrack(alice, ['creds', '--role', 'prod/Admin']);
      expect(warm.code, warm.stderr).toBe(0);
      const before = cliIssuances();
      const hit = await new Promise<{ code: number; stdout: string }>((done) => {
        execFile(process.execPath, [...recorder.nodeArgs, resolve('bin/hatrack.js'), 'creds', '--role', 'prod/Admin'],
          { env: { ...alice.env, ...recorder.env } }, (error, stdout) => done({ code: error ? 1 : 0, stdout: String(stdout) }));
      });
      expect(hit.code).toBe(0);
      expect(hit.stdout).toBe(warm.stdout);
      expect(cliIssuances()).toBe(before);
      const root = pathToFileURL(resolve('.')).href;
      const loaded = recorder.loaded();
      expect(loaded.filter((u) => u.includes('/node_modules/'))).toEqual([]);
      const ours = loaded.filter((u) => u.startsWith(root)).map((u) => u.slice(root.length));
      expect(ours.sort()).toEqual(['/bin/hatrack.js', '/dist/cli/main.js', '/dist/cli/client/creds.js', '/dist/cli/client/cache-hit.js', '/dist/cli/client/files.js'].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hatrack console', { timeout: 60_000 }, () => {
  it('--print gives a federation sign-in URL for the role that the AWS console (stand-in) accepts; without a browser and without --print it refuses', async () => {
    const r = await hatrack(alice, ['console', '--role', 'dev/Admin', '--print']);
    expect(r.code, r.stderr).toBe(0);
    const url = new URL(r.stdout.trim());
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('SigninToken')).toBeTruthy();
    const landed = await fetch(url, { redirect: 'manual' });
    expect(landed.status).toBeLessThan(400);
    expect(demo.logLines.join('\n')).not.toContain(url.searchParams.get('SigninToken')!);
    const noBrowser = await hatrack(alice, ['console', '--role', 'dev/Admin'], { env: { DISPLAY: '', WAYLAND_DISPLAY: '' } });
    expect(noBrowser.code).toBe(1);
    expect(noBrowser.stdout).toBe('');
    expect(noBrowser.stderr).toContain('--print');
  });
});

describe('hatrack exec and the container credentials endpoint', { timeout: 120_000 }, () => {
  it('E1 exec passes the endpoint variables (not fixed keys) and the region; the endpoint answers only with its token, on 127.0.0.1', async () => {
    const probe = `
      const env = process.env;
      const url = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      const without = await fetch(url);
      const wrong = await fetch(url, { headers: { authorization: 'x' + env.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
      const right = await fetch(url, { headers: { authorization: env.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
      console.log(JSON.stringify({ url, region: env.AWS_REGION, staticKey: env.AWS_ACCESS_KEY_ID ?? null, profile: env.AWS_PROFILE ?? null,
        without: without.status, wrong: wrong.status, right: right.status, keys: await right.json() }));`;
    const r = await hatrack(alice, ['exec', '--role', 'prod/Admin', '--', process.execPath, '--input-type=module', '-e', probe], { env: { AWS_ACCESS_KEY_ID: 'AKIASTALE', AWS_PROFILE: 'mine' } });
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as Record<string, unknown> & { url: string; keys: Record<string, string> };
    expect(new URL(seen.url).hostname).toBe('127.0.0.1');
    expect(seen).toMatchObject({ region: 'us-east-1', staticKey: null, profile: null, without: 401, wrong: 401, right: 200 });
    expect(Object.keys(seen.keys)).toEqual(['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration', 'RoleArn']);
    expect(seen.keys.RoleArn).toBe('arn:aws:iam::111111111111:role/Admin');
  });

  it('E2 the AWS CLI run by exec gets the person\'s own keys for the role named at start, through the endpoint; exec returns the command\'s exit code', async () => {
    const r = await hatrack(alice, ['exec', '--role', 'prod/Admin', '--', AWS_CLI, 'sts', 'get-caller-identity', '--endpoint-url', demo.standinUrl, '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).Arn).toBe('arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com');
    const failing = await hatrack(alice, ['exec', '--role', 'prod/Admin', '--', process.execPath, '-e', 'process.exit(7)']);
    expect(failing.code).toBe(7);
    const missing = await hatrack(alice, ['exec', '--role', 'prod/Admin', '--', 'no-such-command-here']);
    expect(missing.code).toBe(127);
    const denied = await hatrack(alice, ['exec', '--role', 'prod/PowerUser', '--', process.execPath, '-e', 'console.log("ran")']);
    expect(denied.code).toBe(5);
    expect(denied.stdout).toBe('');
  });

  it('SIGTERM to hatrack exec reaches the command, and hatrack exits as it did (128 + 15)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [resolve('bin/hatrack.js'), 'exec', '--role', 'prod/Admin', '--', process.execPath, '-e',
      'process.on("SIGTERM", () => { console.log("got SIGTERM"); process.kill(process.pid, "SIGKILL"); }); console.log("ready"); setInterval(() => {}, 1000);'],
    { env: alice.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await expect.poll(() => out.includes('ready'), { timeout: 15_000 }).toBe(true);
    child.kill('SIGTERM');
    // The command answered the forwarded SIGTERM by dying of SIGKILL: 128 + 9.
    expect(await exited).toBe(137);
    expect(out).toContain('got SIGTERM');
  });

  it('serve-credentials prints the variables; the AWS CLI started elsewhere uses them', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [resolve('bin/hatrack.js'), 'serve-credentials', '--role', 'prod/Admin'], { env: alice.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (d) => { out += String(d); if (out.includes('AWS_CONTAINER_AUTHORIZATION_TOKEN')) done(); });
        child.on('exit', (code) => fail(new Error(`serve-credentials exited ${code}`)));
      });
      const vars = Object.fromEntries([...out.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
      const r = await aws(alice, ['sts', 'get-caller-identity'], { ...vars, AWS_CONFIG_FILE: '/dev/null' });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).Arn).toBe('arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
