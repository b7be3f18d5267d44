// What a hostile SAMLResponse costs the ACS, as a ratio to what an ordinary Google-shaped login
// costs it (SECURITY.md C1, C2): padded, replayed, untrusted and malformed responses against a
// valid one, each measured as CPU time in this process, interleaved round by round so that the
// machine's noise falls on both sides of every ratio. Prints the median ratio with min and max.
import { generateSigningKeyPair } from '../src/aws/keys.ts';
import { FixedClock } from '../src/clock.ts';
import { createSamlConnector } from '../src/connectors/saml/index.ts';
import { buildResponse, encodeResponse, signResponse, type SigningKey } from '../src/dev/saml-idp/response.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { median, ratioSpread } from './stats.ts';

const now = new Date('2026-03-02T09:30:00Z');
const clock = new FixedClock(now);
const sp = { entityId: 'https://hatrack.example.com/saml/google/metadata', acsUrl: 'https://hatrack.example.com/saml/google/acs' };
const idpEntityId = 'https://accounts.google.com/o/saml2?idpid=C0bench';
const [idp, attacker] = await Promise.all([generateSigningKeyPair({ now: new Date('2025-01-01T00:00:00Z') }), generateSigningKeyPair({ now: new Date('2025-01-01T00:00:00Z') })]);
const connector = createSamlConnector({
  id: 'google', entityId: sp.entityId, acsUrl: sp.acsUrl, idpEntityId, idpSsoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C0bench',
  idpCerts: [idp!.certPem], allowIdpInitiated: true,
}, { store: new MemoryStore({ clock, sweepIntervalMs: 0 }), clock });

let n = 0;
function response(key: SigningKey, tamper: (xml: string) => string = (x) => x, assertionId = `_b${++n}`): string {
  const xml = signResponse(buildResponse({
    issuer: idpEntityId, acsUrl: sp.acsUrl, audience: sp.entityId, nameId: 'alice@corp.example', now, assertionId,
    attributes: { groups: ['aws-admins@corp.example', 'engineering@corp.example'] },
  }), 'assertion', key);
  return encodeResponse(tamper(xml));
}
const padded = (inner: string) => (xml: string) => xml.replace('<saml2p:Status>', `<saml2p:Extensions>${inner}</saml2p:Extensions><saml2p:Status>`);

async function post(samlResponse: string): Promise<void> {
  await connector.acceptResponse({ callback: { url: new URL(sp.acsUrl), form: new URLSearchParams({ SAMLResponse: samlResponse }) }, pending: undefined }).catch(() => undefined);
}

const used = `_used${Date.now()}`;
await post(response(idp!, undefined, used));
const cases: Record<string, () => string> = {
  'valid login (the baseline)': () => response(idp!),
  'valid, 4 900 empty elements of unsigned padding': () => response(idp!, padded('<x/>'.repeat(4900))),
  '45 000 empty elements (refused: too many)': () => response(idp!, padded('<x/>'.repeat(45_000))),
  '4 900 elements, untrusted key (refused)': () => response(attacker!, padded('<x/>'.repeat(4900))),
  'used assertion, 4 900 elements (refused: replayed)': () => response(idp!, padded('<x/>'.repeat(4900)), used),
  '4 800 EncryptedAssertions beside the Assertion (refused)': () => response(idp!, (x) => x
    .replace('<saml2p:Response ', '<saml2p:Response xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ')
    .replace('<saml2:Assertion ', `${'<saml2:EncryptedAssertion/>'.repeat(4800)}<saml2:Assertion `)),
  'forged: 4 800 elements inside the signed Assertion (refused)': () => response(idp!, (x) => x.replace('</saml2:Assertion>', `${'<x/>'.repeat(4800)}</saml2:Assertion>`)),
  'SignatureValue of 180 000 spaces (refused)': () => response(idp!, (x) => x.replace(/(<ds:SignatureValue>)[^<]*/, `$1a${' '.repeat(180_000)}!`)),
};

async function cpuMs(inputs: string[]): Promise<number> {
  const start = process.cpuUsage();
  for (const input of inputs) await post(input);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / inputs.length;
}

const perRound = 20;
const rounds = 9;
for (const make of Object.values(cases)) await cpuMs(Array.from({ length: perRound }, make)); // warm-up
const results = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, make] of Object.entries(cases)) {
    const inputs = Array.from({ length: perRound }, make); // made outside the measured window
    results.get(name)!.push(await cpuMs(inputs));
  }
}

const baseline = results.get('valid login (the baseline)')!;
console.log(`ACS CPU per response, ${rounds} rounds × ${perRound}; ratio to a valid login measured in the same round (median, min–max)`);
for (const [name, ms] of results) {
  const ratios = ms.map((m, i) => m / baseline[i]!);
  console.log(`  ${name.padEnd(60)} ${median(ms).toFixed(2).padStart(7)} ms   ${ratioSpread(ratios)}`);
}
