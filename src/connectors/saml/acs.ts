// The Assertion Consumer Service: a POSTed SAMLResponse in, a verified Identity out, or the first
// check that fails. The order is dex's, each step a flat run of early exits, with the cheap
// refusals before the expensive work (SECURITY.md C2):
//   size → base64 → outline (declarations, element and attribute counts, depth) → parse →
//   structure → replay (read only) → signature → Issuer → InResponseTo → Destination, Recipient,
//   Method → Status → Conditions, audience, time → attributes → node-saml's second opinion, on the
//   signed parts only → replay cache.
// (Base64 comes before the DOCTYPE refusal only because the DOCTYPE is inside the base64.)
// Everything from the Issuer on is read from the bytes a signature covers. The store is written in
// two places only: the InResponseTo step consumes the AuthnRequest's key, and the very last step
// writes the replay key — so a response that fails any check, forged or not, never writes a key.
// Before any signature is checked the replay key is only read, so that a used assertion, however
// padded, is turned away for the price of one lookup.

import type { Element } from '@xmldom/xmldom';
import type { HatrackError } from '../../errors.ts';
import type { Identity } from '../../identity.ts';
import { nfc } from '../../unicode.ts';
import type { Logger } from '../../log.ts';
import type { Store } from '../../store/store.ts';
import type { PendingLogin } from '../connector.ts';
import { logText, samlError, type PolicyRefusal, type SamlErrorCode } from './errors.ts';
import { IdentityRefused, identityFromAssertion, readAssertion } from './identity.ts';
import { readStoredRequest, replayKey, requestKey } from './store-keys.ts';
import { nodeSamlVerdict } from './node-saml.ts';
import type { ResolvedSamlOptions } from './options.ts';
import type { DecryptionKey } from './encryption.ts';
import { SignatureRefused } from './signature.ts';
import { signedAssertion } from './signed-assertion.ts';
import { StructureRefused, locate } from './structure.ts';
import type { XmlOutline } from './outline.ts';
import { unsignedPartsRemoved } from './signed-parts.ts';
import { DEFAULT_XML_LIMITS, NS, XmlRefused, attr, children, decodeSamlResponse, parseSamlMessage, wholeText } from './xml.ts';

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const requestIdPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
// xs:dateTime in UTC, as SAML requires (core §1.3.3).
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export interface AcsContext {
  o: ResolvedSamlOptions;
  store: Pick<Store, 'consume' | 'setIfAbsent' | 'get'>;
  /** Milliseconds since the epoch, from the connector's clock. */
  now: number;
  log?: Logger;
  /** The SP decryption keys, current then next, for connectors that take encrypted assertions. */
  decryptionKeys?: readonly DecryptionKey[];
}

/** What a verified response produced, besides the identity; for tests and logs. */
export interface AcsResult {
  identity: Identity;
  /** True for an unsolicited (IdP-initiated) response. */
  unsolicited: boolean;
  assertionId: string;
  replayTtlMs: number;
  /** Whether node-saml verified the response a second time (not for SHA-384 signatures, which it cannot verify). */
  secondOpinion: boolean;
}

export async function consumeResponse(ctx: AcsContext, form: URLSearchParams | undefined, pending: PendingLogin | undefined): Promise<AcsResult> {
  const { o, now } = ctx;
  const fail = (code: SamlErrorCode, detail: string, policy?: PolicyRefusal): HatrackError => samlError(code, o.id, detail, policy);
  const skewMs = o.clockSkewSeconds * 1000;

  // ---- the form -------------------------------------------------------------------------------
  const values = form?.getAll('SAMLResponse') ?? [];
  if (values.length !== 1) throw fail('saml_response_missing', values.length === 0 ? 'the POST has no SAMLResponse field' : 'the POST repeats SAMLResponse');
  if ((form?.getAll('RelayState').length ?? 0) > 1) throw fail('saml_response_malformed', 'the POST repeats RelayState');
  const samlResponse = values[0]!;

  // ---- size, base64, safe XML (S21, S33) -----------------------------------------------------------
  let xml: string;
  let outline: XmlOutline;
  let located: ReturnType<typeof locate>;
  try {
    xml = decodeSamlResponse(samlResponse, o.maxResponseBytes);
    const parsed = parseSamlMessage(xml, { ...DEFAULT_XML_LIMITS, maxElements: o.maxResponseElements });
    outline = parsed.outline;
    // ---- structure (S1–S10, S14, S31) ------------------------------------------------------------
    located = locate(parsed.doc);
  } catch (e) {
    if (e instanceof XmlRefused) {
      throw fail(e.code === 'too_large' ? 'saml_response_too_large' : e.code === 'forbidden' ? 'saml_xml_forbidden' : 'saml_response_malformed', e.message);
    }
    if (e instanceof StructureRefused || e instanceof SignatureRefused) throw fail(e.code, e.message, e.policy);
    throw e;
  }

  if (located.assertion === undefined && located.encryptedAssertion === undefined) {
    // An error response usually carries no assertion and no signature. It logs no one in whatever
    // it says, so its status is reported as the reason.
    const status = statusOf(located.response);
    if (status.code !== STATUS_SUCCESS) throw fail('saml_status_not_success', `the IdP answered ${status.describe}`);
    throw fail('saml_assertion_missing', 'the Response holds no Assertion');
  }

  // ---- replay, read only (S29, C2) ---------------------------------------------------------------
  // The ID is not verified yet, so a hit only refuses (a forgery naming a used ID gains nothing);
  // the atomic write at the end remains what lets exactly one of two racing copies through. An
  // encrypted assertion's ID is read as soon as it is decrypted (signed-assertion.ts).
  const checkReplay = async (a: Element) => {
    const claimedId = attr(a, 'ID');
    if (claimedId !== undefined && requestIdPattern.test(claimedId) && await ctx.store.get(replayKey(o.idpEntityId, claimedId)) !== undefined) {
      throw fail('saml_replayed', 'this assertion was already used');
    }
  };
  if (located.assertion) await checkReplay(located.assertion);

  // ---- signature, decryption (S1–S19, S22, S31) ---------------------------------------------------
  let cut: string | undefined;
  const withoutUnsignedParts = () => (cut ??= unsignedPartsRemoved(xml, outline, located.response));
  const signed = await signedAssertion({
    o, xml, withoutUnsignedParts, located, decryptionKeys: ctx.decryptionKeys ?? [], checkReplay,
    verifiedBy: (certIndex) => {
      if (certIndex > 0) ctx.log?.info('saml signature verified with a later idpCerts entry', { connector: o.id, certIndex });
    },
  });
  const { assertion, response, responseSigned, usesSha384 } = signed;
  // From here on, `assertion` is verified bytes; `response` is verified bytes when responseSigned.

  // ---- Issuer (S26) ---------------------------------------------------------------------------
  const assertionIssuer = issuerOf(assertion);
  if (assertionIssuer.problem) throw fail('saml_issuer_mismatch', `Assertion Issuer: ${assertionIssuer.problem}`);
  if (children(response, NS.assertion, 'Issuer').length > 0) {
    const responseIssuer = issuerOf(response);
    if (responseIssuer.problem) throw fail('saml_issuer_mismatch', `Response Issuer: ${responseIssuer.problem}`);
  }
  function issuerOf(el: Element): { problem?: string } {
    const issuers = children(el, NS.assertion, 'Issuer');
    if (issuers.length !== 1) return { problem: `${issuers.length} Issuer elements` };
    const format = attr(issuers[0]!, 'Format');
    if (format !== undefined && format !== ENTITY_FORMAT) return { problem: `Issuer Format is ${logText(format)}` };
    const value = wholeText(issuers[0]!);
    if (value !== o.idpEntityId) return { problem: `${logText(value)} is not the configured IdP ${logText(o.idpEntityId)}` };
    return {};
  }

  // ---- InResponseTo (S27, S28) --------------------------------------------------------------------
  const subjects = children(assertion, NS.assertion, 'Subject');
  if (subjects.length > 1) throw fail('saml_subject_confirmation_invalid', 'the Assertion has more than one Subject');
  const confirmations = subjects[0] ? children(subjects[0], NS.assertion, 'SubjectConfirmation') : [];
  // Read from every SubjectConfirmationData, whatever its Method: the Method has its own check below.
  const signedReplies = new Set(confirmations
    .flatMap((c) => children(c, NS.assertion, 'SubjectConfirmationData'))
    .map((d) => attr(d, 'InResponseTo'))
    .filter((v): v is string => v !== undefined));
  if (signedReplies.size > 1) throw fail('saml_in_response_to_mismatch', 'the SubjectConfirmations answer different requests');
  const assertionReply = [...signedReplies][0];
  const responseReply = attr(response, 'InResponseTo');
  if (assertionReply !== undefined && responseReply !== undefined && assertionReply !== responseReply) {
    throw fail('saml_in_response_to_mismatch', `the Response${responseSigned ? '' : ' (unsigned)'} and the Assertion answer different requests`);
  }
  const inResponseTo = assertionReply ?? (responseSigned ? responseReply : undefined);
  if (inResponseTo === undefined && responseReply !== undefined) {
    // Only the unsigned envelope says this answers a request: an unsolicited assertion dressed up.
    throw fail('saml_in_response_to_missing', 'only the unsigned Response names an InResponseTo; the signed Assertion answers no request');
  }
  const unsolicited = inResponseTo === undefined;
  if (inResponseTo !== undefined) {
    // The pending login (which the HTTP layer consumed atomically under RelayState) comes first:
    // only its one holder goes on to consume the request's key, so of any number of copies of one
    // response exactly one can get through, whichever order they arrive in.
    if (pending === undefined) throw fail('saml_in_response_to_unknown', 'no open login came back with this response (RelayState missing, unknown, expired or already used)');
    if (pending.type !== 'saml' || pending.connector !== o.id || pending.requestId !== inResponseTo) {
      throw fail('saml_in_response_to_mismatch', 'the RelayState belongs to another login than the one this response answers');
    }
    if (!requestIdPattern.test(inResponseTo)) throw fail('saml_in_response_to_unknown', 'InResponseTo is not a request ID Hatrack makes');
    // Consumed here, once, whatever the HTTP layer did with the pending login.
    const raw = await ctx.store.consume(requestKey(o.id, inResponseTo));
    const request = raw === undefined ? undefined : readStoredRequest(raw);
    if (request === undefined) throw fail('saml_in_response_to_unknown', 'InResponseTo names no open request of this connector (unknown, expired or already answered)');
    if (request.state !== pending.state) throw fail('saml_in_response_to_mismatch', 'the request was made for another login');
    const age = now - Math.min(request.createdAt, pending.createdAt);
    if (age > o.maxLoginAgeMs) throw fail('saml_in_response_to_expired', `the request was made ${Math.round(age / 1000)} s ago (at most ${o.maxLoginAgeMs / 1000} s)`);
  } else {
    if (pending !== undefined) throw fail('saml_in_response_to_missing', 'a login was started (RelayState matches) but the response answers no request');
    if (!o.allowIdpInitiated) throw fail('saml_unsolicited_refused', 'unsolicited response and allowIdpInitiated is off');
  }

  // ---- Destination, Recipient, Method (S25, S30) --------------------------------------------------
  const destination = attr(response, 'Destination');
  if (destination === undefined && responseSigned) throw fail('saml_destination_mismatch', 'the signed Response has no Destination', 'no_destination');
  if (destination !== undefined && destination !== o.acsUrl) {
    throw fail('saml_destination_mismatch', `Destination ${logText(destination)} is not this ACS ${logText(o.acsUrl)}`);
  }
  if (subjects.length === 0 || confirmations.length === 0) throw fail('saml_subject_confirmation_missing', 'the Assertion has no SubjectConfirmation');
  const bearer = confirmations.filter((c) => attr(c, 'Method') === BEARER);
  if (bearer.length === 0) throw fail('saml_confirmation_method', `no bearer SubjectConfirmation (methods: ${confirmations.map((c) => logText(attr(c, 'Method'), 80)).join(', ')})`);
  if (bearer.length > 1) throw fail('saml_subject_confirmation_invalid', 'more than one bearer SubjectConfirmation');
  const confirmationData = children(bearer[0]!, NS.assertion, 'SubjectConfirmationData');
  if (confirmationData.length !== 1) throw fail('saml_subject_confirmation_invalid', `the bearer SubjectConfirmation has ${confirmationData.length} SubjectConfirmationData`);
  const data = confirmationData[0]!;
  const recipient = attr(data, 'Recipient');
  if (recipient !== o.acsUrl) throw fail('saml_recipient_mismatch', `Recipient ${logText(recipient)} is not this ACS ${logText(o.acsUrl)}`);

  // ---- Status (S32) -------------------------------------------------------------------------------
  const status = statusOf(response);
  if (status.code !== STATUS_SUCCESS) throw fail('saml_status_not_success', `the IdP answered ${status.describe}`);

  // ---- Conditions, audience, time (S23, S24, S30) -------------------------------------------------
  const conditionsEls = children(assertion, NS.assertion, 'Conditions');
  if (conditionsEls.length > 1) throw fail('saml_conditions_invalid', `the Assertion has ${conditionsEls.length} Conditions`);
  const conditions = conditionsEls[0];
  if (conditions === undefined) throw fail('saml_audience_mismatch', 'the Assertion has no Conditions, so no AudienceRestriction');
  for (const c of children(conditions)) {
    const known = c.namespaceURI === NS.assertion && ['AudienceRestriction', 'OneTimeUse', 'ProxyRestriction'].includes(c.localName ?? '');
    // An unknown condition makes the assertion Indeterminate (core §2.5.1.1): not valid.
    if (!known) throw fail('saml_conditions_invalid', `unknown condition ${logText(c.localName, 60)}`);
  }
  const restrictions = children(conditions, NS.assertion, 'AudienceRestriction');
  if (restrictions.length === 0) throw fail('saml_audience_mismatch', 'the Conditions have no AudienceRestriction');
  for (const r of restrictions) {
    // Every AudienceRestriction must name us (core §2.5.1.4).
    const audiences = children(r, NS.assertion, 'Audience').map(wholeText);
    if (!audiences.includes(o.entityId)) throw fail('saml_audience_mismatch', `audience ${audiences.map((a) => logText(a, 80)).join(', ') || '(none)'} is not ${logText(o.entityId)}`);
  }

  const instant = (el: Element, name: string, required: boolean): number | undefined => {
    const v = attr(el, name);
    if (v === undefined) {
      if (required) throw fail(el === data ? 'saml_subject_confirmation_invalid' : 'saml_conditions_invalid', `${el.localName} has no ${name}`);
      return undefined;
    }
    const t = instantPattern.test(v) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(t)) throw fail('saml_conditions_invalid', `${el.localName} ${name} is not a UTC time: ${logText(v, 40)}`);
    return t;
  };
  const issueInstant = instant(assertion, 'IssueInstant', true)!;
  const notBefore = instant(conditions, 'NotBefore', false);
  const notOnOrAfter = instant(conditions, 'NotOnOrAfter', false);
  const dataNotBefore = instant(data, 'NotBefore', false);
  const dataNotOnOrAfter = instant(data, 'NotOnOrAfter', true)!;
  const responseIssueInstant = instant(response, 'IssueInstant', false);
  const sessionEnds = children(assertion, NS.assertion, 'AuthnStatement')
    .map((s) => instant(s, 'SessionNotOnOrAfter', false))
    .filter((t): t is number => t !== undefined);
  const when = (t: number) => new Date(t).toISOString();

  for (const [what, t] of [['IssueInstant', issueInstant], ['Response IssueInstant', responseIssueInstant], ['NotBefore', notBefore], ['SubjectConfirmationData NotBefore', dataNotBefore]] as const) {
    if (t !== undefined && now + skewMs < t) throw fail('saml_not_yet_valid', `${what} ${when(t)} is in the future (now ${when(now)}, skew ${o.clockSkewSeconds} s)`);
  }
  for (const [what, t] of [['NotOnOrAfter', notOnOrAfter], ['SubjectConfirmationData NotOnOrAfter', dataNotOnOrAfter], ...sessionEnds.map((s) => ['SessionNotOnOrAfter', s] as const)] as const) {
    if (t !== undefined && now - skewMs >= t) throw fail('saml_expired', `${what} ${when(t)} has passed (now ${when(now)}, skew ${o.clockSkewSeconds} s)`);
  }
  const maxAgeMs = o.maxAssertionAgeSeconds * 1000;
  for (const [what, t] of [['IssueInstant', issueInstant], ['Response IssueInstant', responseIssueInstant]] as const) {
    if (t !== undefined && now - skewMs >= t + maxAgeMs) throw fail('saml_too_old', `${what} ${when(t)} is more than ${o.maxAssertionAgeSeconds} s ago`);
  }
  // The last moment this assertion could still be accepted; the replay key lives until then.
  const validUntil = Math.min(notOnOrAfter ?? Infinity, dataNotOnOrAfter, issueInstant + maxAgeMs) + skewMs;

  // ---- attributes → identity (S19, S20) ----------------------------------------------------------
  let identity: Identity;
  try {
    identity = identityFromAssertion(o, o.idpEntityId, readAssertion(assertion));
  } catch (e) {
    if (e instanceof IdentityRefused) throw fail(e.code, e.message);
    throw e;
  }
  const assertionId = attr(assertion, 'ID');
  if (assertionId === undefined || !requestIdPattern.test(assertionId)) throw fail('saml_response_malformed', 'the Assertion has no usable ID');

  // ---- node-saml's second opinion --------------------------------------------------------------
  // A different parser and verifier must agree, and must read the same NameID: a disagreement is
  // the mark of a parser differential, the root of signature-wrapping attacks.
  // node-saml's xml-crypto knows no SHA-384; an IdP that signs with it gets Hatrack's verifier only.
  // (The algorithms are inside SignedInfo, so an attacker cannot switch them to dodge this step.)
  const secondOpinion = !usesSha384;
  if (secondOpinion) {
    let verdict: Awaited<ReturnType<typeof nodeSamlVerdict>>;
    try {
      // Only what a signature covers (signed-parts.ts): unsigned padding costs it nothing.
      const signedOnly = responseSigned ? samlResponse : Buffer.from(withoutUnsignedParts(), 'utf8').toString('base64');
      verdict = await nodeSamlVerdict(o, signedOnly, signed.decryptionKey?.keyPem);
    } catch (e) {
      throw fail('saml_response_rejected', `node-saml refused a response Hatrack's own checks accepted: ${libraryMessage(e)}`);
    }
    // identity.subject is in NFC (normaliseIdentity); node-saml's reading is as sent.
    if (typeof verdict.nameId !== 'string' || nfc(verdict.nameId) !== identity.subject) throw fail('saml_response_rejected', 'node-saml reads a different NameID');
  }

  // ---- replay cache (S29) ----------------------------------------------------------------------
  const replayTtlMs = Math.max(1000, Math.ceil(validUntil - now));
  const fresh = await ctx.store.setIfAbsent(replayKey(o.idpEntityId, assertionId), o.id, replayTtlMs);
  if (!fresh) throw fail('saml_replayed', 'this assertion was already used');

  return { identity, unsolicited, assertionId, replayTtlMs, secondOpinion };
}

/**
 * A library's error message, fit for a log line: cut before any markup it may quote from the
 * document, long base64 runs (signature values, certificates) elided, then cut short.
 */
function libraryMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return logText(message.split('<')[0]!.replace(/[A-Za-z0-9+/=]{24,}/g, '…').trim(), 100);
}

function statusOf(response: Element): { code: string | undefined; describe: string } {
  const status = children(response, NS.protocol, 'Status');
  const top = status.length === 1 ? children(status[0]!, NS.protocol, 'StatusCode') : [];
  if (top.length !== 1) return { code: undefined, describe: 'no (or a malformed) Status' };
  const code = attr(top[0]!, 'Value');
  const second = children(top[0]!, NS.protocol, 'StatusCode')[0];
  const message = children(status[0]!, NS.protocol, 'StatusMessage')[0];
  const describe = [code, second ? attr(second, 'Value') : undefined].filter(Boolean).map((c) => logText(c!, 80)).join(' / ')
    + (message ? `: ${logText(wholeText(message), 120)}` : '');
  return { code, describe };
}
