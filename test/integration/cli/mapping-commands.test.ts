// `hatrack explain`, `hatrack iam-setup` and the rule warnings of `hatrack check-config`, run
// through the real bin.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = resolve('bin/hatrack.js');

async function hatrack(args: string[], options: { cwd?: string } = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'hatrack-cli-')),
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const config = `
publicUrl: https://hatrack.example.com
trustProxy: 1
connectors:
  - { id: okta, type: oidc, issuer: https://corp.okta.com, clientId: hatrack }
accounts:
  prod: "111111111111"
  dev: { id: "222222222222", samlProvider: hatrack-dev }
roles:
  - group: aws-admins
    role: ["arn:aws:iam::{prod}:role/Admin", "arn:aws:iam::{dev}:role/Admin"]
    sessionDuration: 8h
    requireMfa: true
  - group: developers
    role: "arn:aws:iam::{dev}:role/PowerUser"
    sessionDuration: 4h
    sessionTags: { team: "claim:department", email: email }
  - groupPattern: "^aws#(?<account>[a-z]+)#(?<role>[A-Za-z]+)$"
    role: "arn:aws:iam::{account}:role/{role}"
  - { deny: true, group: contractors, role: "arn:aws:iam::{prod}:role/*" }
`;

function withConfig(text = config): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-cli-'));
  const file = join(dir, 'hatrack.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('hatrack explain', () => {
  it('shows the demo people\'s hats with the rule that gave each, and every rule that did not', async () => {
    const alice = await hatrack(['explain', '--user', 'alice@example.com', '--groups', 'admins']);
    expect(alice.code).toBe(0);
    expect(alice.stdout).toContain('Roles granted (2):');
    expect(alice.stdout).toContain('arn:aws:iam::111111111111:role/Admin');
    expect(alice.stdout).toContain('from roles[0] (Administrators wear Admin in every account): member of "admins"');
    expect(alice.stdout).toContain('roles[1] (Break-glass access to prod, only after a multi-factor sign-in): member of "admins", but the rule requires MFA');
    const bob = await hatrack(['explain', '--user', 'bob@example.com', '--groups', 'power-users']);
    expect(bob.stdout).toContain('session tags: team=power-users (transitive), email=bob@example.com');
    expect(bob.stdout).toContain('console opens at https://console.aws.amazon.com/cloudtrailv2/home');
    expect(bob.stdout).toContain('not a member of "admins"');
  });

  it('answers --json for scripts, from the same trace', async () => {
    const { file } = withConfig();
    const r = await hatrack(['explain', '--config', file, '--user', 'erin@partner.example', '--groups', 'contractors, aws#prod#Admin,aws#dev#Admin', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.identity).toMatchObject({ connector: 'okta', email: 'erin@partner.example', groups: ['contractors', 'aws#prod#Admin', 'aws#dev#Admin'], mfa: false });
    expect(out.grants.map((g: { roleArn: string; providerArn: string }) => [g.roleArn, g.providerArn])).toEqual([
      ['arn:aws:iam::222222222222:role/Admin', 'arn:aws:iam::222222222222:saml-provider/hatrack-dev'],
    ]);
    expect(out.trace.map((t: { rule: number; outcome: string }) => [t.rule, t.outcome])).toEqual([
      [0, 'no-match'], [1, 'no-match'], [2, 'denied'], [2, 'granted'], [3, 'deny-applies'],
    ]);
  });

  it('reads an identity file with exact names, claims and MFA', async () => {
    const { dir, file } = withConfig();
    writeFileSync(join(dir, 'me.json'), JSON.stringify({ email: 'dev@corp.example', groups: ['developers', 'aws-admins'], mfa: true, claims: { department: 'platform' } }));
    const r = await hatrack(['explain', '--config', file, '--identity', join(dir, 'me.json'), '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.grants.map((g: { roleArn: string; sessionTags: unknown }) => [g.roleArn, g.sessionTags])).toEqual([
      ['arn:aws:iam::111111111111:role/Admin', []],
      ['arn:aws:iam::222222222222:role/Admin', []],
      ['arn:aws:iam::222222222222:role/PowerUser', [{ key: 'team', value: 'platform' }, { key: 'email', value: 'dev@corp.example' }]],
    ]);
  });

  it('refuses a call that says nobody, or says it twice, and options of other commands', async () => {
    expect(await hatrack(['explain'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Say who') });
    const { dir } = withConfig();
    writeFileSync(join(dir, 'x.json'), '{"email": 5}');
    expect((await hatrack(['explain', '--identity', join(dir, 'x.json')])).stderr).toContain('is not an identity');
    expect((await hatrack(['explain', '--identity', join(dir, 'x.json'), '--user', 'a@b'])).stderr).toContain('not both');
    expect(await hatrack(['explain', '--format', 'json'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--format is not an option of this command') });
  });
});

describe('hatrack iam-setup', () => {
  it('prints one CloudFormation template per account, keyed by account id, with the signing key generated', async () => {
    const { dir, file } = withConfig();
    const r = await hatrack(['iam-setup', '--config', file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('generated certs/hatrack.key');
    expect(r.stderr).toContain('note: roles[2] (arn:aws:iam::{account}:role/{role}) names its roles from group names');
    const templates = JSON.parse(r.stdout);
    expect(Object.keys(templates)).toEqual(['111111111111', '222222222222']);
    const dev = templates['222222222222'];
    expect(dev.Resources.HatrackSamlProvider.Properties.Name).toBe('hatrack-dev');
    expect(dev.Resources.HatrackSamlProvider.Properties.SamlMetadataDocument).toContain(readFileSync(join(dir, 'certs/hatrack.crt'), 'utf8').split('\n')[1]);
    expect(dev.Resources.RolePowerUser.Properties.AssumeRolePolicyDocument.Statement[0].Action).toEqual(['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity', 'sts:TagSession']);
    expect(dev.Resources.RoleAdmin.Properties.MaxSessionDuration).toBe(28800);
  });

  it('prints one account\'s template alone, IAM JSON, or files per account', async () => {
    const { dir, file } = withConfig();
    const one = JSON.parse((await hatrack(['iam-setup', '--config', file, '--account', 'prod'], { cwd: dir })).stdout);
    expect(one.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(Object.keys(one.Resources)).toEqual(['HatrackSamlProvider', 'RoleAdmin']);

    const json = JSON.parse((await hatrack(['iam-setup', '--config', file, '--format', 'json', '--account', '222222222222'], { cwd: dir })).stdout);
    expect(json.accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['222222222222']);
    expect(json.accounts[0].roles[0].assumeRolePolicyDocument.Statement[0].Principal.Federated).toBe('arn:aws:iam::222222222222:saml-provider/hatrack-dev');

    const out = await hatrack(['iam-setup', '--config', file, '--out', join(dir, 'iam')], { cwd: dir });
    expect(out.stdout.trim().split('\n')).toEqual([join(dir, 'iam', 'prod-111111111111.cloudformation.json'), join(dir, 'iam', 'dev-222222222222.cloudformation.json')]);
    expect(existsSync(join(dir, 'iam', 'dev-222222222222.cloudformation.json'))).toBe(true);

    expect(await hatrack(['iam-setup', '--config', file, '--account', 'staging'], { cwd: dir })).toMatchObject({ code: 1, stderr: expect.stringContaining('No account staging') });
    expect(await hatrack(['iam-setup', '--config', file, '--format', 'yaml'], { cwd: dir })).toMatchObject({ code: 1, stderr: expect.stringContaining('--format must be') });
  });

  it('works on the demo configuration', async () => {
    const r = await hatrack(['iam-setup', '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(json.accounts.flatMap((a: { roles: Array<{ arn: string }> }) => a.roles.map((x) => x.arn))).toEqual([
      'arn:aws:iam::111111111111:role/Admin', 'arn:aws:iam::111111111111:role/BreakGlass', 'arn:aws:iam::111111111111:role/ReadOnly',
      'arn:aws:iam::222222222222:role/Admin', 'arn:aws:iam::222222222222:role/PowerUser',
    ]);
  });
});

describe('hatrack check-config warnings', () => {
  it('prints warnings and ok, and fails with --strict', async () => {
    const { dir, file } = withConfig(`${config}  - { group: contractors, role: "arn:aws:iam::{prod}:role/Billing" }\n  - { group: "aws-*", role: "arn:aws:iam::{dev}:role/X" }\n`);
    const r = await hatrack(['check-config', '--config', file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok: ${file} (2 warnings)\n`);
    expect(r.stderr).toContain('warning: roles[4]: can never grant anything: roles[3] denies all its roles to everyone this rule matches');
    expect(r.stderr).toContain('warning: roles[5].group: "aws-*" looks like a pattern');
    expect(await hatrack(['check-config', '--config', file, '--strict'], { cwd: dir })).toMatchObject({ code: 1, stderr: expect.stringContaining('2 warnings (--strict)') });
  });

  it('reports unsafe patterns and tag sets over AWS limits as problems', async () => {
    const { dir, file } = withConfig(`${config}  - { groupPattern: "^(a+)+$", role: "arn:aws:iam::{dev}:role/X" }\n  - { group: x, role: "arn:aws:iam::{dev}:role/X", sessionTags: { "aws:x": email } }\n`);
    const r = await hatrack(['check-config', '--config', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('roles[4].groupPattern: is refused because it repeats a group that itself contains a repetition');
    expect(r.stderr).toContain('roles[5].sessionTags.aws:x: the aws: prefix is reserved by AWS');
  });
});
