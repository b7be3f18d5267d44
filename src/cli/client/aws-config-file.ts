// Writes profiles into ~/.aws/config (or $AWS_CONFIG_FILE) without disturbing anything else in
// it: other sections, comments, blank lines, unknown keys and the file's line ends stay as they
// were; a profile that exists keeps its other keys and gets the named ones replaced in place.
// Running it twice gives the same file. A symlinked file (a dotfiles repository) is written
// through the link, keeping its mode.
import { readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ProfileSetting {
  key: string;
  value: string;
  /** False: keep a value the person already set (e.g. their own region). */
  replace: boolean;
}

export interface Profile {
  name: string;
  settings: ProfileSetting[];
}

export function awsConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
}

/** The section name a line opens (`profile x` for `[profile x]`), or undefined. */
function sectionOf(line: string): string | undefined {
  const t = line.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  return t.slice(1, -1).trim().split(/\s+/).join(' ');
}

function keyOf(line: string): string | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith(';')) return undefined;
  const eq = t.indexOf('=');
  return eq > 0 ? t.slice(0, eq).trim() : undefined;
}

export function withProfiles(text: string, profiles: readonly Profile[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  for (const profile of profiles) {
    const header = `profile ${profile.name}`;
    const start = lines.findIndex((l) => sectionOf(l) === header);
    if (start === -1) {
      if (lines.length > 0 && lines[lines.length - 1]!.trim() !== '') lines.push('');
      lines.push(`[${header}]`, ...profile.settings.map((s) => `${s.key} = ${s.value}`));
      continue;
    }
    let end = start + 1;
    while (end < lines.length && sectionOf(lines[end]!) === undefined) end++;
    // New keys go after the section's last non-blank line, so its trailing blank lines stay between sections.
    let insertAt = end;
    while (insertAt > start + 1 && lines[insertAt - 1]!.trim() === '') insertAt--;
    for (const s of profile.settings) {
      const at = lines.slice(start + 1, end).findIndex((l) => keyOf(l) === s.key);
      if (at !== -1) {
        if (s.replace) lines[start + 1 + at] = `${s.key} = ${s.value}`;
        continue;
      }
      lines.splice(insertAt, 0, `${s.key} = ${s.value}`);
      insertAt++;
      end++;
    }
  }
  return `${lines.join(eol)}${eol}`;
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Whether a file's [default] profile holds keys or a credential_process: the SDKs use those before a container endpoint. */
function defaultHasKeys(text: string | undefined, keys: readonly string[]): boolean {
  let inDefault = false;
  for (const line of (text ?? '').split(/\r?\n/)) {
    const section = sectionOf(line);
    if (section !== undefined) inDefault = section === 'default' || section === 'profile default';
    else if (inDefault && keys.includes(keyOf(line) ?? '')) return true;
  }
  return false;
}

export function defaultProfileHasKeys(env: NodeJS.ProcessEnv = process.env): boolean {
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');
  return defaultHasKeys(readIfThere(credentials), ['aws_access_key_id']) ||
    defaultHasKeys(readIfThere(awsConfigPath(env)), ['aws_access_key_id', 'credential_process']);
}

export function writeProfiles(profiles: readonly Profile[], env: NodeJS.ProcessEnv = process.env): string {
  const named = awsConfigPath(env);
  const existing = readIfThere(named);
  // Through a symlink to the real file, beside which the new one is written and renamed over it.
  const path = existing === undefined ? named : realpathSync(named);
  const mode = existing === undefined ? 0o600 : statSync(path).mode & 0o777;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.hatrack-${process.pid}.tmp`;
  try {
    writeFileSync(temp, withProfiles(existing ?? '', profiles), { mode, flag: 'wx' });
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  return named;
}
