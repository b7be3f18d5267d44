// The server-side `hatrack` commands, run through the real bin and in-process.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = resolve('bin/hatrack.js');

async function hatrack(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'hatrack-cli-')),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const goodConfig = `
publicUrl: https://hatrack.example.com
trustProxy: 1
connectors:
  - { id: okta, type: oidc, issuer: https://corp.okta.com, clientId: hatrack, clientSecret: env:OKTA_SECRET }
accounts: { prod: "111111111111" }
roles:
  - { group: aws-admins, role: "arn:aws:iam::{prod}:role/Admin", sessionDuration: 8h }
`;

describe('hatrack check-config', () => {
  it('prints ok and exits 0 for a valid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    writeFileSync(join(dir, 'hatrack.yaml'), goodConfig);
    const r = await hatrack(['check-config'], { cwd: dir, env: { OKTA_SECRET: 'x' } });
    expect(r).toMatchObject({ code: 0, stdout: 'ok: hatrack.yaml\n' });
  });

  it('lists every problem with its path and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, goodConfig.replace('111111111111', '42').replace('8h', '13h'));
    const r = await hatrack(['check-config', '--config', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('has 3 problems');
    expect(r.stderr).toContain('connectors[0].clientSecret: environment variable OKTA_SECRET is not set');
    expect(r.stderr).toContain('accounts.prod: must be a 12-digit account id');
    expect(r.stderr).toContain('roles[0].sessionDuration: must be at most 43200 seconds (12h)');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reads HATRACK_CONFIG and checks the built-in demo when there is no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    writeFileSync(join(dir, 'other.yaml'), goodConfig);
    expect(await hatrack(['check-config'], { cwd: dir, env: { HATRACK_CONFIG: join(dir, 'other.yaml'), OKTA_SECRET: 'x' } }))
      .toMatchObject({ code: 0 });
    expect((await hatrack(['check-config'])).stdout).toContain('built-in demo');
  });

  it('answers an unknown command with usage and exit 2', async () => {
    const r = await hatrack(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('hatrack keys', () => {
  it('generates a key (mode 0600) on first use, then rotates: rotate publishes next, promote switches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    const show = await hatrack(['keys'], { cwd: dir });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('generated certs/hatrack.key');
    expect(statSync(join(dir, 'certs/hatrack.key')).mode & 0o777).toBe(0o600);
    const firstCert = readFileSync(join(dir, 'certs/hatrack.crt'), 'utf8');

    const rotate = await hatrack(['keys', 'rotate'], { cwd: dir });
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain('created the next key');
    expect(existsSync(join(dir, 'certs/hatrack.next.crt'))).toBe(true);
    const nextCert = readFileSync(join(dir, 'certs/hatrack.next.crt'), 'utf8');
    expect((await hatrack(['keys'], { cwd: dir })).stdout).toMatch(/current: .*\nnext: /);
    const metadata = await hatrack(['keys', 'metadata'], { cwd: dir });
    expect(metadata.stdout).toContain('entityID="http://localhost:3000/saml/metadata"');
    expect(metadata.stdout.match(/<md:KeyDescriptor use="signing">/g)).toHaveLength(2);

    const promote = await hatrack(['keys', 'promote'], { cwd: dir });
    expect(promote.code).toBe(0);
    expect(readFileSync(join(dir, 'certs/hatrack.crt'), 'utf8')).toBe(nextCert);
    expect(readFileSync(join(dir, 'certs/hatrack.crt'), 'utf8')).not.toBe(firstCert);
    expect(existsSync(join(dir, 'certs/hatrack.next.crt'))).toBe(false);
  });

  it('keeps the key files beside the configuration file they belong to, wherever it is run from', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    writeFileSync(join(home, 'hatrack.yaml'), goodConfig);
    const elsewhere = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    const show = await hatrack(['keys', '--config', join(home, 'hatrack.yaml')], { cwd: elsewhere, env: { OKTA_SECRET: 'x' } });
    expect(show.code, show.stderr).toBe(0);
    expect(existsSync(join(home, 'certs/hatrack.key'))).toBe(true);
    expect(existsSync(join(elsewhere, 'certs'))).toBe(false);
  });

  it('refuses to make a new key when the key is still where relative paths used to point (the working directory)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    writeFileSync(join(home, 'hatrack.yaml'), goodConfig);
    const old = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    expect((await hatrack(['keys'], { cwd: old })).code).toBe(0);
    const r = await hatrack(['keys', '--config', join(home, 'hatrack.yaml')], { cwd: old, env: { OKTA_SECRET: 'x' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`signing.key (certs/hatrack.key) is read relative to the configuration file's folder (${home})`);
    expect(existsSync(join(home, 'certs'))).toBe(false);
  });

  it('--decryption does the same for the SAML decryption key, apart from the signing key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    const show = await hatrack(['keys', '--decryption'], { cwd: dir });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('generated certs/hatrack-sp.key');
    expect(statSync(join(dir, 'certs/hatrack-sp.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'certs/hatrack.key'))).toBe(false);
    const rotate = await hatrack(['keys', 'rotate', '--decryption'], { cwd: dir });
    expect(rotate.stdout).toContain('created the next decryption key');
    const nextCert = readFileSync(join(dir, 'certs/hatrack-sp.next.crt'), 'utf8');
    expect((await hatrack(['keys', 'promote', '--decryption'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'certs/hatrack-sp.crt'), 'utf8')).toBe(nextCert);
    expect((await hatrack(['keys', 'metadata', '--decryption'], { cwd: dir })).code).toBe(2);
  });

  it('refuses to promote when no next key waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
    const r = await hatrack(['keys', 'promote'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('There is no next signing key');
  });
});
