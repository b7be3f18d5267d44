// Hatrack as users install it: `npm pack`, then `npm install -g` of the tarball into a temporary
// prefix, then the installed `hatrack` run from there — compiled JavaScript only (Node refuses to
// strip types under node_modules, so an installed package cannot run TypeScript). And a real
// configuration served from the compiled code loads nothing of the demo or the stand-ins
// (dist/dev), nor any TypeScript source: every module the process resolves is recorded by a
// resolve hook.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/redis.ts';
import { moduleRecorder } from '../../support/resolved-modules.ts';

const run = promisify(execFile);
const root = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'hatrack-installed-'));
// The node running this suite (24 and 22 in CI) runs the installed command too.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
let installed: string;

const config = `
publicUrl: http://localhost:3999
connectors:
  - { id: okta, type: oidc, issuer: https://corp.okta.com, clientId: hatrack, clientSecret: s3cret }
accounts: { prod: "111111111111" }
roles:
  - { group: aws-admins, role: "arn:aws:iam::{prod}:role/Admin", sessionDuration: 8h }
`;

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 });
  const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
  await run('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', tarball], { env, maxBuffer: 16 * 1024 * 1024 });
  installed = join(work, 'prefix', 'bin', 'hatrack');
  writeFileSync(join(work, 'hatrack.yaml'), config);
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const hatrack = (args: string[]) => run(installed, args, { cwd: work, env });

describe('the installed package', () => {
  it('ships compiled JavaScript only, no TypeScript sources', () => {
    const pkg = join(work, 'prefix', 'lib', 'node_modules', 'hatrack');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(manifest.bin.hatrack).toBe('bin/hatrack.js');
    expect(() => readFileSync(join(pkg, 'src', 'main.ts'))).toThrow();
    expect(readFileSync(join(pkg, 'dist', 'main.js'), 'utf8')).not.toContain('.ts\'');
  });

  it('hatrack --help', async () => {
    const { stdout } = await hatrack(['--help']);
    expect(stdout).toContain('Usage: hatrack <command>');
  });

  it('hatrack check-config and hatrack explain, on a real configuration', async () => {
    expect((await hatrack(['check-config'])).stdout).toBe('ok: hatrack.yaml\n');
    const { stdout } = await hatrack(['explain', '--user', 'alice@corp.example', '--groups', 'aws-admins']);
    expect(stdout).toContain('Admin in prod 111111111111, 8h');
  });
});

describe('the demo, served by the installed command', () => {
  it('starts without a runtime warning from Node or a dependency (oidc-provider, the AWS SDK) on Node 22 and 24', async () => {
    const major = Number(process.versions.node.split('.')[0]);
    // A free port can be taken by another test's server before the demo binds it: then once more.
    let stderr = '';
    for (let attempt = 1; ; attempt++) {
      stderr = await serveDemo();
      if (!/EADDRINUSE/.test(stderr)) break;
      if (attempt === 3) throw new Error(`the demo found no free port three times: ${stderr.slice(0, 500)}`);
    }
    const warnings = stderr.split('\n').filter((l) => /Warning|Unsupported runtime|DEP0\d+/.test(l));
    // Node 20 (past its end of life) draws the dependencies' warnings by design; the supported ones must not.
    expect(major >= 22 ? warnings : []).toEqual([]);
  }, 90_000);
});

/** Runs the installed `hatrack serve` (the demo) until it answers; its stderr. */
async function serveDemo(): Promise<string> {
  const port = await freePort();
  const cwd = mkdtempSync(join(work, 'demo-'));
  const child = spawn(installed, ['serve'], { cwd, env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    let up = false;
    for (let i = 0; i < 150 && !up && child.exitCode === null; i++) {
      up = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (!up && /EADDRINUSE/.test(stderr)) return stderr;
    expect(up, stderr).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    return stderr;
  } catch (e) {
    throw new Error(`the demo did not come up: ${stderr.slice(0, 2000)}`, { cause: e });
  } finally {
    child.kill();
    await exited;
  }
}

describe('a real configuration served from the compiled code', () => {
  it('loads nothing under dist/dev (the demo and the stand-ins) and no TypeScript', async () => {
    const recorder = moduleRecorder(mkdtempSync(join(work, 'resolved-')));
    const port = await freePort();
    const child = spawn(process.execPath, [...recorder.nodeArgs, join(root, 'bin', 'hatrack.js'), 'serve', '--config', join(work, 'hatrack.yaml')], {
      cwd: work, env: { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', ...recorder.env }, stdio: 'ignore',
    });
    try {
      let up = false;
      for (let i = 0; i < 200 && !up; i++) {
        up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect(up).toBe(true);
      // The pages a person sees: they load the templates and whatever the routes import lazily.
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/saml/metadata`)).status).toBe(200);
    } finally {
      child.kill();
    }
    const ours = recorder.loaded().filter((u) => u.startsWith(pathToFileURL(root).href) && !u.includes('/node_modules/'));
    expect(ours.some((u) => u.includes('/dist/main.js'))).toBe(true);
    expect(ours.filter((u) => u.includes('/dist/dev/') || u.includes('/src/') || u.endsWith('.ts'))).toEqual([]);
  }, 60_000);
});
