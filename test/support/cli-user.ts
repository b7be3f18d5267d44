// Runs the compiled `hatrack` command (bin/hatrack.js → dist/, as installed) for the user-side
// tests, each with its own HOME and XDG_CONFIG_HOME, and walks a device login: start `hatrack
// login`, read the code it prints, let the test approve it, wait for the login to finish.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const HATRACK_BIN = resolve('bin/hatrack.js');

export interface RunResult { code: number; stdout: string; stderr: string }

/** A person's machine: a home, a config dir, and the environment the commands see. */
export interface Terminal {
  home: string;
  configDir: string;
  env: Record<string, string>;
}

export function newTerminal(brokerUrl: string, extra: Record<string, string> = {}): Terminal {
  const home = mkdtempSync(join(tmpdir(), 'hatrack-cli-home-'));
  const configDir = join(home, '.config');
  return {
    home,
    configDir,
    env: {
      // The node that runs the suite runs the command too (24 and 22 in CI).
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: home,
      XDG_CONFIG_HOME: configDir,
      HATRACK_URL: brokerUrl.replace(/\/$/, ''),
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_PAGER: '',
      ...extra,
    },
  };
}

export function hatrack(t: Terminal, args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((done) => {
    execFile(process.execPath, [HATRACK_BIN, ...args], { env: { ...t.env, ...options.env }, timeout: options.timeoutMs ?? 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export interface PendingLogin {
  userCode: string;
  /** verification_uri_complete, as the CLI offers it. */
  link: string;
  /** Resolves when `hatrack login` exits. */
  finished: Promise<RunResult>;
}

/** Starts `hatrack login --no-browser` and resolves once it has printed the code. */
export function startLogin(t: Terminal, args: string[] = []): Promise<PendingLogin> {
  const child = spawn(process.execPath, [HATRACK_BIN, 'login', '--no-browser', ...args], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const finished = new Promise<RunResult>((done) => child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr })));
  child.stdout.on('data', (d) => { stdout += String(d); });
  return new Promise((resolveCode, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`hatrack login printed no code: ${stderr}`)); }, 20_000);
    child.stderr.on('data', (d) => {
      stderr += String(d);
      const code = /enter the code\s+([A-Z]{4}-[A-Z]{4})/.exec(stderr)?.[1];
      const link = /open (\S+)/.exec(stderr)?.[1];
      if (code && link) {
        clearTimeout(timer);
        resolveCode({ userCode: code, link: `${link}?user_code=${code}`, finished });
      }
    });
    void finished.then((r) => { clearTimeout(timer); if (!/enter the code/.test(stderr)) reject(new Error(`hatrack login exited: ${r.stderr}`)); });
  });
}

/**
 * A terminal logged in as `name`: `hatrack login`, approved by a second HTTP client signed in at
 * the broker's demo OpenID connector with `password`.
 */
export async function loggedInTerminal(brokerUrl: string, name: string, password: string): Promise<Terminal> {
  const { approveAs } = await import('./device-approval.ts');
  const t = newTerminal(brokerUrl);
  const pending = await startLogin(t);
  await approveAs(brokerUrl, name, password, pending.userCode);
  const done = await pending.finished;
  if (done.code !== 0) throw new Error(`hatrack login as ${name} failed: ${done.stderr}`);
  return t;
}
