// SECURITY.md C3: what the IdP signed is what the rules see. One property, run against every kind
// of connector: a person's subject, email, name and groups, with the characters that a careless
// reader trims, folds or rewrites (spaces at either end, U+FEFF, zero-width spaces, decomposed
// accents, compatibility characters, markup), are signed by a real IdP — the test SAML IdP, the
// certified oidc-provider — and come out of the connector, which is what the mapping reads,
// exactly as signed after Unicode NFC and nothing else. `DRIVERS` is keyed by connector type, so a
// connector type added later does not compile until it runs this property too.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorType } from '../../../src/connectors/connector.ts';
import type { OidcPendingLogin } from '../../../src/connectors/oidc/login-data.ts';
import { createOidcConnector, type OidcConnector } from '../../../src/connectors/oidc/index.ts';
import { survivesXml } from '../../../src/aws/xml.ts';
import { startDevOidcProvider, type DevOidcProvider } from '../../../src/dev/oidc-provider.ts';
import type { Identity } from '../../../src/identity.ts';
import { HeadlessBrowser } from '../../support/oidc/browser.ts';
import { harness, post } from '../../support/saml/harness.ts';
import { makeResponse, testKeys, type Keys } from '../../support/saml/test-idp.ts';

interface Person {
  subject: string;
  email: string;
  name: string;
  groups: string[];
}

interface Driver {
  /** What this kind of IdP cannot sign unchanged (an XML IdP's own library rewrites U+2028: aws/xml.ts). */
  cannotCarry: string[];
  /** Signs the person in through a real IdP and the connector; what the connector returns. */
  signIn(p: Person): Promise<Identity>;
}

// Characters that a reader could trim, fold, compose or rewrite, among plain ones.
const tricky = ['a', 'b', 'Z', '0', '-', '.', '#', ' ', '\t', '\u00a0', '\ufeff', '\u200b', 'e\u0301', '\u00e9', '\u212b', '\u00c5',
  '\ufb01', '\u01c4', '\u017f', '\u212a', 'K', '<', '&', ']]>', '"', '\'', '\u{1d51e}', '\u0130', '\u2028', '\r\n', '\u0085'];
// An address the connectors accept: no whitespace, controls or format characters, one "@".
const addressy = ['a', 'b', 'x', '0', '.', '-', '+', '_', 'e\u0301', '\u00e9', '\u212b', '\ufb01', '\u212a', '\u{1d51e}', '\u00df'];

const text = (alphabet: string[], min: number, max: number) => fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((xs) => xs.join(''));
const nfc = (s: string) => s.normalize('NFC');
const personArb = (except: string[] = []): fc.Arbitrary<Person> => {
  const chars = tricky.filter((c) => !except.includes(c));
  return fc.record({
    // Whitespace anywhere, but not only whitespace: a subject of nothing else is refused by both.
    subject: fc.tuple(text(chars, 0, 6), fc.constantFrom('a', 'Z', '0', '\u00e9'), text(chars, 0, 6)).map((parts) => parts.join('')),
    email: fc.tuple(text(addressy, 1, 10), text(addressy, 1, 6)).map(([local, sub]) => `${local}@${sub}.example.com`),
    name: text(chars, 1, 12),
    groups: fc.uniqueArray(text(chars, 1, 16), { maxLength: 6, selector: nfc }),
  });
};

let k: Keys;
let dev: DevOidcProvider;
let oidc: OidcConnector;
const redirectUri = 'http://127.0.0.1:4998/oidc/fidelity/callback';
// The people the OpenID provider knows, made before it starts (it is given its people once).
const oidcPeople = fc.sample(personArb(), { numRuns: 40, seed: 11 }).map((p, i) => ({ ...p, subject: `${p.subject}${i}` }));

beforeAll(async () => {
  k = await testKeys();
  const clientSecret = randomBytes(24).toString('base64url');
  dev = await startDevOidcProvider({
    clients: [{ client_id: 'hatrack', client_secret: clientSecret, redirect_uris: [redirectUri] }],
    people: oidcPeople.map((p, i) => ({ username: `p${i}`, sub: p.subject, email: p.email, name: p.name, groups: p.groups, password: `pw-${i}-secret` })),
  });
  oidc = createOidcConnector({
    id: 'fidelity', issuer: dev.issuer, clientId: 'hatrack', clientSecret, scopes: ['openid', 'email', 'profile', 'groups'], allowInsecureHttp: true,
  });
});
afterAll(async () => {
  await dev?.close();
});

const DRIVERS: Record<ConnectorType, Driver> = {
  saml: {
    cannotCarry: tricky.filter((c) => !survivesXml(c)),
    async signIn(p) {
      const h = harness(k, { allowIdpInitiated: true, emailFrom: 'email' });
      const r = makeResponse(k, { spec: { nameId: p.subject, attributes: { email: [p.email], name: [p.name], groups: p.groups } } });
      return post(h, r.samlResponse);
    },
  },
  oidc: {
    cannotCarry: [],
    async signIn(p) {
      const i = oidcPeople.indexOf(p as (typeof oidcPeople)[number]);
      const browser = new HeadlessBrowser();
      const { url, pending } = await oidc.startLogin({ redirectUri });
      const form = await browser.follow(url, redirectUri);
      await form.response.text();
      const back = await browser.follow(form.url, redirectUri, { form: { prompt: 'login', login: `p${i}`, password: `pw-${i}-secret` } });
      if (!back.stopped) throw new Error(`the provider did not send p${i} back (${back.response.status})`);
      return oidc.finishLogin({ callback: { url: back.url }, pending: pending as OidcPendingLogin });
    },
  },
};

describe('what the IdP signed is what the rules see (C3)', () => {
  for (const [type, driver] of Object.entries(DRIVERS)) {
    it(`${type}: subject, email, name and groups arrive as signed, after NFC only`, async () => {
      const people = type === 'oidc' ? oidcPeople : fc.sample(personArb(driver.cannotCarry), { numRuns: 60, seed: 5 });
      expect(driver.cannotCarry.length, 'a driver may leave out a few characters, not the point of the test').toBeLessThan(4);
      for (const p of people) {
        const identity = await driver.signIn(p).catch((e: unknown) => { throw new Error(`${JSON.stringify(p)}: ${(e as { code?: string; detail?: string }).code} ${(e as { detail?: string }).detail}`); });
        expect({ subject: identity.subject, email: identity.email, name: identity.name, groups: identity.groups }, JSON.stringify(p))
          .toEqual({ subject: nfc(p.subject), email: nfc(p.email), name: nfc(p.name), groups: p.groups.map(nfc) });
      }
    }, 120_000);
  }

  it('saml: a value with a character its XML would change never arrives changed', async () => {
    // The test IdP's own XML library rewrites U+2028 before signing, so Hatrack only ever sees what
    // was signed; a response carrying the raw character is refused before parsing (outline.ts).
    const h = harness(k, { allowIdpInitiated: true });
    const r = makeResponse(k, { tamperText: (xml) => xml.replace('aws-admins@corp.example', 'aws-admins\u2028@corp.example') });
    await expect(post(h, r.samlResponse)).rejects.toMatchObject({ code: 'saml_response_malformed' });
  });
});
