// One complete login, as a person's browser makes it, for the login benchmark:
// - SAML: the IdP-initiated SAMLResponse (signed beforehand by the driver, outside the measured
//   window) POSTed to the ACS, then the role picker, then Console or Keys;
// - OIDC: Hatrack's login link, the dev provider's login form, its redirect back to Hatrack's
//   callback (where the broker redeems the code), then the role picker, then Console or Keys.
// Console ends with the stand-in's federation sign-in URL (AssumeRoleWithSAML + getSigninToken);
// Keys with the keys page showing the stand-in's temporary keys. Anything else throws.
import { buildResponse, encodeResponse, signResponse, type SigningKey } from '../../src/dev/saml-idp/response.ts';
import { Browser, type Answer } from './login-browser.ts';
import { ACS_URL, IDP, PUBLIC_URL, ROLE_ARN, SP_ENTITY_ID, benchPerson, clientAddress, samlNameId } from './login-config.ts';

export type Finish = 'console' | 'keys';

export interface LoginTarget {
  /** The broker process that gets the next request. */
  route: () => string;
  standinUrl: string;
  finish: Finish;
}

/** What one login needs, made before the measured window. */
export interface LoginInput {
  /** Unique in the run: the client address and, for SAML, the NameID. */
  index: number;
  /** OIDC only: the dev provider's person who signs in. */
  person?: number;
  /** SAML only: the SAMLResponse form value. */
  samlResponse?: string;
}

export type Flow = 'saml' | 'oidc';

function refused(step: string, answer: Answer): Error {
  return new Error(`${step}: HTTP ${answer.status} at ${answer.url.pathname}: ${answer.body.replace(/\s+/g, ' ').slice(0, 300)}`);
}

/** A Google-shaped response for the i-th SAML person, its Response signed by the IdP's key. */
export function signedSamlResponse(i: number, idpKey: SigningKey): string {
  const xml = buildResponse({
    issuer: IDP.entityId, acsUrl: ACS_URL, audience: SP_ENTITY_ID, nameId: samlNameId(i), now: new Date(),
    assertionId: `_bench${i}_${Date.now().toString(16)}`, attributes: { groups: [IDP.group, 'engineering@corp.example'] },
  });
  return signResponse(xml, 'response', idpKey);
}

/** Numbers logins through the run, so that no two share an address, a NameID or a person. */
export class LoginNumbers {
  private login = 1;
  // Person 0 is the floor's (login-floor.ts fetchIdToken).
  private person = 1;

  next(flow: Flow): Pick<LoginInput, 'index' | 'person'> {
    return flow === 'saml' ? { index: this.login++ } : { index: this.login++, person: this.person++ };
  }
}

/** The inputs of the next `count` logins of `flow`; SAML responses are signed here. */
export function loginInputs(flow: Flow, count: number, numbers: LoginNumbers, idpKey: SigningKey): LoginInput[] {
  return Array.from({ length: count }, () => {
    const input = numbers.next(flow);
    return flow === 'saml' ? { ...input, samlResponse: encodeResponse(signedSamlResponse(input.index, idpKey)) } : input;
  });
}

function browserFor(input: LoginInput, target: LoginTarget): Browser {
  return new Browser({ publicOrigin: new URL(PUBLIC_URL).origin, route: target.route, clientAddress: clientAddress(input.index) });
}

/** The role picker must name the person and offer the role, with the form's CSRF token. */
function readPicker(answer: Answer, email: string): { csrf: string } {
  if (answer.status !== 200 || answer.url.href !== `${PUBLIC_URL}/`) throw refused('the sign-in did not end on the role picker', answer);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(answer.body)?.[1];
  if (!csrf || !answer.body.includes(`value="${ROLE_ARN}"`) || !answer.body.includes(email)) throw refused(`the picker does not show ${email} with ${ROLE_ARN}`, answer);
  return { csrf };
}

/**
 * Wears the role: Console answers with a redirect to the stand-in's federation login URL carrying
 * a SigninToken; Keys with a redirect to the keys page, which shows the stand-in's keys. Returns
 * the sign-in URL or the access key id.
 */
async function wearRole(browser: Browser, target: LoginTarget, csrf: string): Promise<string> {
  const form = { _csrf: csrf, role: ROLE_ARN };
  const headers = { origin: new URL(PUBLIC_URL).origin };
  if (target.finish === 'console') {
    const answer = await browser.request(`${PUBLIC_URL}/aws/console`, { form, headers });
    const location = answer.status === 303 ? new URL(answer.headers.location ?? '', PUBLIC_URL) : undefined;
    if (!location || `${location.origin}${location.pathname}` !== `${target.standinUrl}/federation` || location.searchParams.get('Action') !== 'login' || !location.searchParams.get('SigninToken')) {
      throw refused('Console did not redirect to the stand-in\'s federation sign-in', answer);
    }
    return location.href;
  }
  const page = await browser.follow(`${PUBLIC_URL}/aws/credentials`, { form, headers });
  const keyId = /AWS_ACCESS_KEY_ID=(?:'|&#39;)?(ASIA[A-Z0-9]{16})/.exec(page.body)?.[1];
  if (page.status !== 200 || page.url.pathname !== '/aws/keys' || !keyId) throw refused('Keys did not end on a keys page with the stand-in\'s keys', page);
  return keyId;
}

export async function samlLogin(input: LoginInput, target: LoginTarget): Promise<string> {
  const browser = browserFor(input, target);
  // The IdP's auto-submitting form: a cross-site POST, so Origin is the IdP's.
  const picker = await browser.follow(ACS_URL, { form: { SAMLResponse: input.samlResponse! }, headers: { origin: IDP.origin } });
  return wearRole(browser, target, readPicker(picker, samlNameId(input.index)).csrf);
}

export async function oidcLogin(input: LoginInput, target: LoginTarget): Promise<string> {
  const browser = browserFor(input, target);
  const person = benchPerson(input.person!);
  const form = await browser.follow(`${PUBLIC_URL}/login/demo`);
  if (form.status !== 200 || !form.url.pathname.startsWith('/interaction/')) throw refused('Hatrack\'s login link did not reach the provider\'s login form', form);
  const picker = await browser.follow(form.url, { form: { prompt: 'login', login: person.username, password: person.password } });
  return wearRole(browser, target, readPicker(picker, person.email).csrf);
}

export function login(flow: Flow): (input: LoginInput, target: LoginTarget) => Promise<string> {
  return flow === 'saml' ? samlLogin : oidcLogin;
}

/** Opens a Console sign-in URL at the stand-in, as the browser does next: its console must name the assumed role. */
export async function openConsole(signinUrl: string): Promise<void> {
  const browser = new Browser({ publicOrigin: new URL(PUBLIC_URL).origin, route: () => PUBLIC_URL, clientAddress: '127.0.0.1' });
  const page = await browser.follow(signinUrl);
  if (page.status !== 200 || !page.body.includes('arn:aws:sts::111111111111:assumed-role/Admin/')) throw refused('the stand-in console did not open for the assumed role', page);
}
