// The Assertion Consumer Service: a POSTed SAMLResponse in, a verified Identity out, or the first
// check that fails. The order is dex's, each step a flat run of early exits, with the cheap
// refusals before the expensive work (SECURITY.md C2):
//   size → base64 → outline (declarations, element and attribute counts, depth) → parse →
//   structure → replay (read only) → signature → Issuer → InResponseTo → Destination, Recipient,
//   Method → Status → Conditions, audience, time → attributes → node-saml's second opinion, on the
//   signed parts only → replay cache.
// (Base64 comes before the DOCTYPE refusal only because the DOCTYPE is inside the base64.)
// The checks of the verified parts, Issuer to time, are named steps in assertion-checks.ts.
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
import { replayKey } from './store-keys.ts';
import {
  STATUS_SUCCESS, checkConditions, checkDestination, checkInResponseTo, checkIssuer, checkStatus, checkSubjectConfirmation, checkTimes,
  requestIdPattern, statusOf, type CheckContext,
} from './assertion-checks.ts';
import { nodeSamlVerdict } from './node-saml.ts';
import type { ResolvedSamlOptions } from './options.ts';
import type { DecryptionKey } from './encryption.ts';
import { SignatureRefused } from './signature.ts';
import { signedAssertion } from './signed-assertion.ts';
import { StructureRefused, locate } from './structure.ts';
import type { XmlOutline } from './outline.ts';
import { unsignedPartsRemoved } from './signed-parts.ts';
import { DEFAULT_XML_LIMITS, XmlRefused, attr, decodeSamlResponse, parseSamlMessage } from './xml.ts';


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

/**
 * The independent verifier that must accept what Hatrack accepted: given the base64 response cut
 * to what its signatures cover, and the key that decrypted its assertion, it returns the NameID it
 * read, or throws when it refuses. node-saml's SAML class by default; the passport strategy runs
 * passport-saml's own validation here (src/http/strategies/saml-strategy.ts).
 */
export type SecondVerifier = (samlResponse: string, decryptionKeyPem: string | undefined) => Promise<{ nameId: string }>;

export async function consumeResponse(ctx: AcsContext, form: URLSearchParams | undefined, pending: PendingLogin | undefined,
  secondVerifier: SecondVerifier = (samlResponse, keyPem) => nodeSamlVerdict(ctx.o, samlResponse, keyPem)): Promise<AcsResult> {
  const { o, now } = ctx;
  const fail = (code: SamlErrorCode, detail: string, policy?: PolicyRefusal): HatrackError => samlError(code, o.id, detail, policy);

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

  const check: CheckContext = { o, now, fail };
  checkIssuer(check, assertion, response);
  const { unsolicited } = await checkInResponseTo(check, ctx.store, { assertion, response, responseSigned }, pending);
  checkDestination(check, response, responseSigned);
  const confirmationData = checkSubjectConfirmation(check, assertion);
  checkStatus(check, response);
  const conditions = checkConditions(check, assertion);
  const validUntil = checkTimes(check, { assertion, response, conditions, confirmationData });

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
    let verdict: { nameId: string };
    try {
      // Only what a signature covers (signed-parts.ts): unsigned padding costs it nothing.
      const signedOnly = responseSigned ? samlResponse : Buffer.from(withoutUnsignedParts(), 'utf8').toString('base64');
      verdict = await secondVerifier(signedOnly, signed.decryptionKey?.keyPem);
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
