// Writes profiles into ~/.aws/config (or $AWS_CONFIG_FILE) without disturbing anything else in
// it: other sections, comments, blank lines and unknown keys stay byte for byte; a profile that
// exists keeps its other keys and gets the named ones replaced in place. Running it twice gives
// the same file.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writePrivateFile } from './files.ts';

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
  return `${lines.join('\n')}\n`;
}

export function writeProfiles(profiles: readonly Profile[], env: NodeJS.ProcessEnv = process.env): string {
  const path = awsConfigPath(env);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  writePrivateFile(path, withProfiles(text, profiles));
  return path;
}
