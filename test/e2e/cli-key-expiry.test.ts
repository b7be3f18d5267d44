// Past a key's real expiry: the offline AWS issues keys that live 20 s and refuses them after
// that (ExpiredToken), so a second call succeeds only if the CLI fetched new keys — through
// credential_process with the real AWS CLI, and through `hatrack exec`'s container credentials
// endpoint with a long-running AWS SDK for JavaScript program and with the AWS CLI.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo } from '../support/demo.ts';
import { hatrack, loggedInTerminal, type Terminal } from '../support/cli-user.ts';
import { AWS_CLI } from '../support/prerequisites.ts';
import { passwordOf } from './flow.ts';

const KEY_LIFETIME_S = 20;
const PAST_EXPIRY_MS = KEY_LIFETIME_S * 1000 + 1500;

let demo: TestDemo;
let bob: Terminal;

beforeAll(async () => {
  demo = await startTestDemo({ device: { interval: 1 }, standin: { maxCredentialSeconds: KEY_LIFETIME_S } });
  bob = await loggedInTerminal(demo.url, 'bob', passwordOf(demo, 'bob'));
}, 60_000);
afterAll(async () => {
  await demo?.stop();
  rmSync(bob.home, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function callerArn(env: Record<string, string>, args: string[] = []): Promise<string> {
  return new Promise((done, fail) => {
    execFile(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', demo.standinUrl, '--output', 'json', ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`aws failed: ${stderr}`));
      else done((JSON.parse(String(stdout)) as { Arn: string }).Arn);
    });
  });
}

const BOB_POWERUSER = 'arn:aws:sts::222222222222:assumed-role/PowerUser/bob@example.com';

describe('keys past their expiry', { timeout: 120_000 }, () => {
  it('the AWS CLI with a `hatrack configure` profile works again after the first keys expired', async () => {
    expect((await hatrack(bob, ['configure', '--role', 'dev/PowerUser', '--profile', 'build'])).code).toBe(0);
    expect(await callerArn(bob.env, ['--profile', 'build'])).toBe(BOB_POWERUSER);
    await sleep(PAST_EXPIRY_MS);
    expect(await callerArn(bob.env, ['--profile', 'build'])).toBe(BOB_POWERUSER);
  });

  it('an AWS SDK for JavaScript program run by `hatrack exec` keeps working across the expiry, with new keys from the endpoint', async () => {
    const sdk = resolve('node_modules/@aws-sdk/client-sts/dist-cjs/index.js');
    const program = `
      const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(sdk)});
      const client = new STSClient({ endpoint: ${JSON.stringify(demo.standinUrl)} });
      (async () => {
        const calls = [];
        for (let i = 0; i < 2; i++) {
          const who = await client.send(new GetCallerIdentityCommand({}));
          calls.push({ arn: who.Arn, key: (await client.config.credentials()).accessKeyId });
          if (i === 0) await new Promise((r) => setTimeout(r, ${PAST_EXPIRY_MS}));
        }
        console.log(JSON.stringify(calls));
      })().catch((e) => { console.error(e.name, e.message); process.exit(1); });`;
    const r = await hatrack(bob, ['exec', '--role', 'dev/PowerUser', '--', process.execPath, '-e', program], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const calls = JSON.parse(r.stdout) as Array<{ arn: string; key: string }>;
    expect(calls.map((c) => c.arn)).toEqual([BOB_POWERUSER, BOB_POWERUSER]);
    expect(calls[0]!.key).not.toBe(calls[1]!.key);
  });

  it('the AWS CLI run twice by one long `hatrack exec`, across the expiry, uses the endpoint both times', async () => {
    const script = `"${AWS_CLI}" sts get-caller-identity --endpoint-url ${demo.standinUrl} --output text --query Arn && sleep ${PAST_EXPIRY_MS / 1000} && "${AWS_CLI}" sts get-caller-identity --endpoint-url ${demo.standinUrl} --output text --query Arn`;
    const r = await hatrack(bob, ['exec', '--role', 'dev/PowerUser', '--', '/bin/sh', '-c', script], { timeoutMs: 60_000, env: { AWS_CONFIG_FILE: '/dev/null' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([BOB_POWERUSER, BOB_POWERUSER]);
  });
});
