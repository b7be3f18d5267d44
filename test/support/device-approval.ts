// A person approving a CLI login from a second HTTP client: signs in at the demo OpenID provider
// (test/support/oidc/browser.ts keeps the cookies), opens the confirmation page for the code and
// presses Approve or Deny, as the page's form would post it.
import { HeadlessBrowser } from './oidc/browser.ts';

export interface Approver {
  browser: HeadlessBrowser;
  /** The confirmation page as shown, before the decision. */
  confirmation: string;
  /** The page after the decision. */
  result: string;
  status: number;
}

export async function signInAt(brokerUrl: string, username: string, password: string, browser = new HeadlessBrowser(), returnTo = '/'): Promise<HeadlessBrowser> {
  const base = brokerUrl.endsWith('/') ? brokerUrl : `${brokerUrl}/`;
  const start = await browser.follow(`${base}login/demo?returnTo=${encodeURIComponent(returnTo)}`, `${base}oidc/`);
  // A browser the provider still knows is sent straight back; a new one gets the login form.
  let callback = start.url;
  if (!start.stopped) {
    await start.response.text();
    const back = await browser.follow(start.url, `${base}oidc/`, { form: { prompt: 'login', login: username, password } });
    if (!back.stopped) throw new Error(`the provider did not send ${username} back to Hatrack`);
    callback = back.url;
  }
  const landed = await browser.follow(callback, 'http://never.invalid/');
  await landed.response.text();
  return browser;
}

export function csrfOf(page: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

export async function decide(brokerUrl: string, browser: HeadlessBrowser, userCode: string, decision: 'approve' | 'deny'): Promise<Approver> {
  const base = brokerUrl.endsWith('/') ? brokerUrl : `${brokerUrl}/`;
  const confirmation = await (await browser.request(`${base}device?user_code=${encodeURIComponent(userCode)}`)).text();
  const res = await browser.request(`${base}device`, { form: { _csrf: csrfOf(confirmation), user_code: userCode, decision } });
  return { browser, confirmation, result: await res.text(), status: res.status };
}

export async function approveAs(brokerUrl: string, username: string, password: string, userCode: string): Promise<Approver> {
  return decide(brokerUrl, await signInAt(brokerUrl, username, password), userCode, 'approve');
}
