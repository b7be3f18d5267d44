// Opens a URL in the person's browser when this machine has one to show: macOS, Windows, or a
// Linux desktop session (DISPLAY or WAYLAND_DISPLAY). Over SSH or in a container it does nothing,
// and the caller prints the URL instead.
import { spawn } from 'node:child_process';

function opener(env: NodeJS.ProcessEnv): [string, string[]] | undefined {
  if (process.platform === 'darwin') return ['open', []];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""']];
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return ['xdg-open', []];
  return undefined;
}

export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env): boolean {
  return opener(env) !== undefined;
}

/** True when a browser was asked to open `url`; the URL is passed as one argument, never through a shell. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const command = opener(env);
  if (!command) return false;
  try {
    const child = spawn(command[0], [...command[1], url], { stdio: 'ignore', detached: true, env });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
