// The Google tile of the demo, as a person clicks it: sign in at the stand-in Google (with the
// one-time code, for a multi-factor sign-in), open the app launcher, click Hatrack; the auto-POST
// form's action and fields, not yet posted.
import type { DevSamlIdp } from '../../src/dev/saml-idp/index.ts';
import { HeadlessBrowser } from './oidc/browser.ts';

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export async function tileResponse(samlIdp: DevSamlIdp, username: string, password: string, otp?: string): Promise<{ action: string; form: URLSearchParams }> {
  const idp = new HeadlessBrowser();
  await idp.request(`${samlIdp.url}/signin`, { method: 'POST', form: { username, password, ...(otp !== undefined && { otp }) } });
  const launcher = await (await idp.request(samlIdp.launcherUrl)).text();
  const tile = /class="tile" href="([^"]+)"/.exec(launcher)![1]!;
  const html = await (await idp.request(new URL(unescapeHtml(tile), samlIdp.url))).text();
  const action = unescapeHtml(/<form id="saml-post" method="post" action="([^"]*)"/.exec(html)![1]!);
  const form = new URLSearchParams({ SAMLResponse: unescapeHtml(/name="SAMLResponse" value="([^"]*)"/.exec(html)![1]!) });
  const relay = /name="RelayState" value="([^"]*)"/.exec(html);
  if (relay) form.set('RelayState', unescapeHtml(relay[1]!));
  return { action, form };
}
