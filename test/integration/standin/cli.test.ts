// The real AWS CLI v2 (Debian's /usr/bin/aws, not a pip v1 earlier on PATH) against the stand-in.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AWS_CLI } from '../../support/prerequisites.ts';
import {
  ACCOUNT, PROVIDER_ARN, ROLE_ARN, assumeParams, b64, credentialsOf, makeKey, postSts, signedResponse, startStandin,
  type TestKey, type TestStandin,
} from '../../unit/standin/helpers.ts';

const run = promisify(execFile);

let key: TestKey;
let env: TestStandin;
let home: string;

beforeAll(async () => {
  key = await makeKey();
  env = await startStandin(key);
  home = mkdtempSync(join(tmpdir(), 'hatrack-awscli-'));
});

afterAll(async () => {
  await env?.standin.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** An environment with nothing from the developer's own AWS setup in it. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    ...extra,
  };
}

async function aws(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(AWS_CLI, [...args, '--endpoint-url', env.url, '--output', 'json'], { env: cliEnv(extraEnv), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function issue(sessionName = 'carol@example.com') {
  const answer = await postSts(env.url, assumeParams(signedResponse(key, { now: new Date(), sessionName })));
  expect(answer.status).toBe(200);
  return credentialsOf(answer.body);
}

const keyEnv = (c: ReturnType<typeof credentialsOf>) => ({
  AWS_ACCESS_KEY_ID: c.accessKeyId,
  AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  AWS_SESSION_TOKEN: c.sessionToken,
});

describe('AWS CLI v2', () => {
  test('is the v2 CLI', async () => {
    const { stdout } = await run(AWS_CLI, ['--version']);
    expect(stdout).toMatch(/^aws-cli\/2\./);
  });

  test('aws sts get-caller-identity with issued keys prints the assumed-role ARN', async () => {
    const creds = await issue();
    const out = await aws(['sts', 'get-caller-identity'], keyEnv(creds));
    expect(out.code, out.stderr).toBe(0);
    const me = JSON.parse(out.stdout) as { Arn: string; Account: string; UserId: string };
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/carol@example.com`);
    expect(me.Account).toBe(ACCOUNT);
  });

  test('aws sts get-caller-identity with a wrong secret exits non-zero with SignatureDoesNotMatch', async () => {
    const creds = await issue();
    const out = await aws(['sts', 'get-caller-identity'], { ...keyEnv(creds), AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('SignatureDoesNotMatch');
  });

  test('aws sts assume-role-with-saml needs no credentials and returns keys', async () => {
    const out = await aws([
      'sts', 'assume-role-with-saml',
      '--role-arn', ROLE_ARN,
      '--principal-arn', PROVIDER_ARN,
      '--saml-assertion', b64(signedResponse(key, { now: new Date(), sessionName: 'dave@example.com' })),
    ]);
    expect(out.code, out.stderr).toBe(0);
    const res = JSON.parse(out.stdout) as { Credentials: { AccessKeyId: string }; AssumedRoleUser: { Arn: string } };
    expect(res.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(res.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/dave@example.com`);
  });

  test('aws sts assume-role-with-saml reports an assertion for another Recipient as InvalidIdentityToken', async () => {
    const out = await aws([
      'sts', 'assume-role-with-saml',
      '--role-arn', ROLE_ARN,
      '--principal-arn', PROVIDER_ARN,
      '--saml-assertion', b64(signedResponse(key, { now: new Date(), recipient: 'https://hatrack.example.com/acs' })),
    ]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('InvalidIdentityToken');
  });
});
