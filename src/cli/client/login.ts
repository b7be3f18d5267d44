// `hatrack login [--url URL] [--no-browser]`: the device authorization grant (RFC 8628 §3.3) from
// the terminal. Prints the verification URL and the code (and a QR code on a terminal), opens the
// browser when there is one, polls at the broker's interval (5 s more after each slow_down) with a
// countdown, and keeps the broker token in login.json (0600). Everything goes to stderr: a login
// prints nothing a script would read.
import type { Io } from '../main.ts';
import type { DeviceAuthorization } from '../../device/device-flow.ts';
import { postForm, callApi, type ApiRoles } from './broker-api.ts';
import { CliFailure, EXIT } from './exit.ts';
import { configDir } from './files.ts';
import { brokerUrl, CLIENT_ID, readLogin, saveLogin, type Login } from './login-state.ts';
import { revokeAtBroker } from './logout.ts';
import { openBrowser } from './open-browser.ts';

/** The broker's answer; RFC 8628 §3.2 makes the complete URI and the interval optional, so the CLI does too. */
type DeviceAnswer = Omit<DeviceAuthorization, 'verification_uri_complete' | 'interval'>
  & Partial<Pick<DeviceAuthorization, 'verification_uri_complete' | 'interval'>>;

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function minutesSeconds(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function qrCode(text: string): Promise<string> {
  const { default: qr } = await import('qrcode-terminal');
  return new Promise((resolve) => qr.generate(text, { small: true }, resolve));
}

function isDeviceAuthorization(v: Record<string, unknown>): boolean {
  return typeof v.device_code === 'string' && typeof v.user_code === 'string' && typeof v.verification_uri === 'string' && typeof v.expires_in === 'number';
}

export async function loginCommand(options: { url?: string; noBrowser?: boolean }, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const url = brokerUrl(options.url, env);
  const tty = process.stderr.isTTY === true;
  const asked = await postForm(url, '/oauth/device/code', { client_id: CLIENT_ID });
  if (!asked.ok || !isDeviceAuthorization(asked.body)) {
    const said = typeof asked.body.error_description === 'string' ? `: ${asked.body.error_description}` : '';
    throw new CliFailure(`hatrack: the broker at ${url} refused a device login (${asked.status}${said})`, EXIT.failed);
  }
  const device = asked.body as unknown as DeviceAnswer;
  const link = device.verification_uri_complete ?? device.verification_uri;

  io.err(`To log in, open ${device.verification_uri}\nand enter the code  ${device.user_code}\n`);
  if (tty) io.err(`or scan:\n${await qrCode(link)}`);
  if (!options.noBrowser && openBrowser(link, env)) io.err('(opened in your browser: check that it shows the same code)');

  const deadline = Date.now() + device.expires_in * 1000;
  let interval = (device.interval ?? 5) * 1000;
  let ticker: NodeJS.Timeout | undefined;
  if (tty) {
    const tick = () => process.stderr.write(`\r  waiting for approval… ${minutesSeconds(deadline - Date.now())} left `);
    tick();
    ticker = setInterval(tick, 1000);
  }
  try {
    for (;;) {
      await sleep(interval);
      if (Date.now() >= deadline) throw new CliFailure('hatrack: the code expired before it was approved: run `hatrack login` again', EXIT.failed);
      let polled;
      try {
        polled = await postForm(url, '/oauth/token', { grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: CLIENT_ID });
      } catch {
        continue; // the broker or the network is away for a moment: keep trying until the code expires
      }
      if (polled.status === 429 || polled.status >= 500) continue;
      const error = polled.body.error;
      if (polled.ok && typeof polled.body.access_token === 'string') {
        const expiresIn = typeof polled.body.expires_in === 'number' ? polled.body.expires_in : 0;
        const login: Login = { url, token: polled.body.access_token, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() };
        const who = await callApi<ApiRoles>(login, 'GET', '/api/roles');
        const dir = configDir(env);
        // The login this one replaces ends at its broker too.
        const replaced = readLogin(dir);
        if (replaced) await revokeAtBroker(replaced, io);
        saveLogin(dir, { ...login, email: who.email, region: who.region });
        if (tty) process.stderr.write('\n');
        io.err(`Logged in to ${url} as ${who.email}: ${who.roles.length} role${who.roles.length === 1 ? '' : 's'} (\`hatrack roles\`), until ${new Date(login.expiresAt).toLocaleString()}.`);
        return 0;
      }
      if (error === 'authorization_pending') continue;
      if (error === 'slow_down') {
        interval += 5000;
        continue;
      }
      if (error === 'access_denied') throw new CliFailure('hatrack: the login was denied in the browser (or whoever approved it has signed out since)', EXIT.failed);
      if (error === 'expired_token') throw new CliFailure('hatrack: the code expired before it was approved: run `hatrack login` again', EXIT.failed);
      throw new CliFailure(`hatrack: the broker refused the login (${typeof error === 'string' ? error : polled.status})`, EXIT.failed);
    }
  } finally {
    if (ticker) {
      clearInterval(ticker);
      process.stderr.write('\r\x1b[K');
    }
  }
}
