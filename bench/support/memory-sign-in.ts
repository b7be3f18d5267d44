// Browser sign-ins for bench/memory.ts, complete ones: a Google-shaped SAML Response for its own
// person (NameID person<i>@corp.example), signed over the assertion with the benchmark IdP's key
// (src/dev/saml-idp/response.ts) and posted to the broker's ACS as the app tile's cross-site
// form POST (IdP-initiated, no RelayState). The broker verifies it and signs the browser in:
// a new session stored in the store. Each post comes from its own client address, so the ACS's
// per-address rate limit does not refuse the batch; each answer must be the 303 to the picker
// with a session cookie.
import { buildResponse, encodeResponse, signResponse, type SigningKey } from '../../src/dev/saml-idp/response.ts';
import { BENCH_IDP } from './device-broker-config.ts';

export interface AcsEndpoint {
  /** The ACS URL the broker expects in Destination and Recipient (also where we post). */
  acsUrl: string;
  /** The SP entity ID the broker expects as the Audience. */
  spEntityId: string;
}

/** 10.64.0.0 upwards: apart from the addresses device codes come from. */
function signInAddress(i: number): string {
  return `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

function tileResponse(sp: AcsEndpoint, idpKey: SigningKey, person: number): string {
  const xml = buildResponse({
    issuer: BENCH_IDP.entityId, acsUrl: sp.acsUrl, audience: sp.spEntityId, nameId: `person${person}@corp.example`, now: new Date(),
    attributes: { firstName: ['Person'], lastName: [String(person)], groups: [BENCH_IDP.group, 'engineering@corp.example'] },
  });
  return encodeResponse(signResponse(xml, 'assertion', idpKey));
}

/** Posts person `i`'s sign-in, from client address `i`; checks that it made a session. */
async function signIn(sp: AcsEndpoint, idpKey: SigningKey, i: number): Promise<void> {
  const body = new URLSearchParams({ SAMLResponse: tileResponse(sp, idpKey, i) }).toString();
  const response = await fetch(sp.acsUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': signInAddress(i) },
    body,
  });
  const text = await response.text();
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('hatrack='));
  if (response.status !== 303 || !setCookie) {
    throw new Error(`sign-in of person ${i} answered ${response.status}${setCookie ? '' : ' without a session cookie'}: ${text.slice(0, 300)}`);
  }
}

/** Signs in `count` people (numbered from `first`), each in a browser of their own: `count` new sessions. */
export async function signInPeople(sp: AcsEndpoint, idpKey: SigningKey, first: number, count: number, concurrency: number): Promise<void> {
  let next = first;
  const end = first + count;
  const worker = async () => {
    while (next < end) await signIn(sp, idpKey, next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
