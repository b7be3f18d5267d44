// `hatrack configure` edits a file people keep by hand: everything it does not own stays as it was.
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultProfileHasKeys, withProfiles, writeProfiles, type Profile } from '../../../src/cli/client/aws-config-file.ts';

const profile = (name: string, region = 'us-east-1', replaceRegion = false): Profile => ({
  name,
  settings: [
    { key: 'credential_process', value: `hatrack creds --role arn:aws:iam::111111111111:role/${name}`, replace: true },
    { key: 'region', value: region, replace: replaceRegion },
  ],
});

describe('writing profiles into ~/.aws/config', () => {
  it('creates the file\'s first profile', () => {
    expect(withProfiles('', [profile('Admin')])).toBe('[profile Admin]\ncredential_process = hatrack creds --role arn:aws:iam::111111111111:role/Admin\nregion = us-east-1\n');
  });

  it('appends after what is there, keeping sections, comments, blank lines and unknown keys byte for byte', () => {
    const own = '# mine\n[default]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 20\n\n[profile other]\noutput = text\n';
    const out = withProfiles(own, [profile('Admin')]);
    expect(out.startsWith(own)).toBe(true);
    expect(out.slice(own.length)).toBe('\n[profile Admin]\ncredential_process = hatrack creds --role arn:aws:iam::111111111111:role/Admin\nregion = us-east-1\n');
  });

  it('updates an existing profile in place: its credential_process is replaced, its own region and other keys stay', () => {
    const own = '[profile Admin]\nregion = ap-south-1\ncredential_process = old command\noutput = json\n\n[profile next]\nregion = x\n';
    const out = withProfiles(own, [profile('Admin')]);
    expect(out).toBe('[profile Admin]\nregion = ap-south-1\ncredential_process = hatrack creds --role arn:aws:iam::111111111111:role/Admin\noutput = json\n\n[profile next]\nregion = x\n');
  });

  it('replaces the region when asked (configure --region)', () => {
    expect(withProfiles('[profile Admin]\nregion = ap-south-1\n', [profile('Admin', 'eu-west-2', true)])).toContain('region = eu-west-2\n');
  });

  it('adds missing keys at the end of the section, before the blank line that separates it from the next', () => {
    const out = withProfiles('[profile Admin]\noutput = json\n\n[default]\n', [profile('Admin')]);
    expect(out).toBe('[profile Admin]\noutput = json\ncredential_process = hatrack creds --role arn:aws:iam::111111111111:role/Admin\nregion = us-east-1\n\n[default]\n');
  });

  it('is idempotent: a second run gives the same file', () => {
    const once = withProfiles('[default]\nregion = eu-west-1\n', [profile('Admin'), profile('ReadOnly')]);
    expect(withProfiles(once, [profile('Admin'), profile('ReadOnly')])).toBe(once);
  });

  it('finds a section header written with extra spaces, and a file without a final newline; keeps CRLF line ends', () => {
    expect(withProfiles('[ profile  Admin ]\nregion = x', [profile('Admin')])).toBe('[ profile  Admin ]\nregion = x\ncredential_process = hatrack creds --role arn:aws:iam::111111111111:role/Admin\n');
    expect(withProfiles('[default]\r\nregion = x\r\n', [profile('Admin')])).toMatch(/^\[default\]\r\nregion = x\r\n\r\n\[profile Admin\]\r\ncredential_process = [^\r\n]+\r\nregion = us-east-1\r\n$/);
  });

  it('does not take a commented-out key for the real one', () => {
    const out = withProfiles('[profile Admin]\n# credential_process = old\n', [profile('Admin')]);
    expect(out).toContain('# credential_process = old\ncredential_process = hatrack creds');
  });
});

describe('the file on disk', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
  const scratch = () => { const d = mkdtempSync(join(tmpdir(), 'hatrack-awsconfig-')); dirs.push(d); return d; };

  it('is written through a symlink (a dotfiles repository), keeping the link and the file\'s mode', () => {
    const d = scratch();
    const real = join(d, 'dotfiles-aws-config');
    writeFileSync(real, '[default]\nregion = eu-west-1\n', { mode: 0o644 });
    chmodSync(real, 0o644);
    const link = join(d, 'config');
    symlinkSync(real, link);
    writeProfiles([profile('Admin')], { AWS_CONFIG_FILE: link });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('[profile Admin]');
    expect(statSync(real).mode & 0o777).toBe(0o644);
  });

  it('is created 0600 when there is none', () => {
    const path = join(scratch(), 'aws', 'config');
    writeProfiles([profile('Admin')], { AWS_CONFIG_FILE: path });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a [default] profile with keys (in credentials or config) is noticed: the SDKs would use it before a container endpoint', () => {
    const d = scratch();
    const env = { AWS_CONFIG_FILE: join(d, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(d, 'credentials') };
    expect(defaultProfileHasKeys(env)).toBe(false);
    writeFileSync(env.AWS_CONFIG_FILE, '[default]\nregion = eu-west-1\n[profile x]\naws_access_key_id = AKIA\n');
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '[other]\naws_access_key_id = AKIA\n');
    expect(defaultProfileHasKeys(env)).toBe(false);
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '[default]\naws_access_key_id = AKIA\n');
    expect(defaultProfileHasKeys(env)).toBe(true);
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '');
    writeFileSync(env.AWS_CONFIG_FILE, '[default]\ncredential_process = other-tool\n');
    expect(defaultProfileHasKeys(env)).toBe(true);
  });
});
