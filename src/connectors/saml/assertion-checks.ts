// The checks of a verified SAML response, one function per check, in the order acs.ts runs them
// (dex's order): Issuer → InResponseTo → Destination → SubjectConfirmation (Recipient, Method) →
// Status → Conditions and audience → times. Each reads only the verified Elements it is given and
// is a flat run of early exits that throws the first failure.
import type { Element } from '@xmldom/xmldom';
import type { HatrackError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import type { PendingLogin } from '../connector.ts';
import { logText, type PolicyRefusal, type SamlErrorCode } from './errors.ts';
import { asSamlPendingLogin } from './login-data.ts';
import type { ResolvedSamlOptions } from './options.ts';
import { readStoredRequest, requestKey } from './store-keys.ts';
import { NS, attr, children, wholeText } from './xml.ts';

export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
export const requestIdPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
// xs:dateTime in UTC, as SAML requires (core §1.3.3).
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** What every check needs: the connector's options, the time, and how to refuse. */
export interface CheckContext {
  o: ResolvedSamlOptions;
  now: number;
  fail: (code: SamlErrorCode, detail: string, policy?: PolicyRefusal) => HatrackError;
}

/** S26: exactly one Issuer, of entity format, naming the configured IdP; on the Response too when it has one. */
export function checkIssuer(ctx: CheckContext, assertion: Element, response: Element): void {
  const issuerOf = (el: Element): string | undefined => {
    const issuers = children(el, NS.assertion, 'Issuer');
    if (issuers.length !== 1) return `${issuers.length} Issuer elements`;
    const format = attr(issuers[0]!, 'Format');
    if (format !== undefined && format !== ENTITY_FORMAT) return `Issuer Format is ${logText(format)}`;
    const value = wholeText(issuers[0]!);
    if (value !== ctx.o.idpEntityId) return `${logText(value)} is not the configured IdP ${logText(ctx.o.idpEntityId)}`;
    return undefined;
  };
  const ofAssertion = issuerOf(assertion);
  if (ofAssertion) throw ctx.fail('saml_issuer_mismatch', `Assertion Issuer: ${ofAssertion}`);
  if (children(response, NS.assertion, 'Issuer').length > 0) {
    const ofResponse = issuerOf(response);
    if (ofResponse) throw ctx.fail('saml_issuer_mismatch', `Response Issuer: ${ofResponse}`);
  }
}

/** The Assertion's SubjectConfirmations (of its one Subject). */
export function confirmationsOf(ctx: CheckContext, assertion: Element): Element[] {
  const subjects = children(assertion, NS.assertion, 'Subject');
  if (subjects.length > 1) throw ctx.fail('saml_subject_confirmation_invalid', 'the Assertion has more than one Subject');
  return subjects[0] ? children(subjects[0], NS.assertion, 'SubjectConfirmation') : [];
}

/**
 * S27, S28: a response to a request answers the login this browser started, and consumes that
 * request's key once; an unsolicited one is accepted only where IdP-initiated login is allowed.
 * Returns whether it was unsolicited.
 */
export async function checkInResponseTo(
  ctx: CheckContext, store: Pick<Store, 'consume'>,
  verified: { assertion: Element; response: Element; responseSigned: boolean }, pending: PendingLogin | undefined,
): Promise<{ unsolicited: boolean }> {
  const { o, fail } = ctx;
  // Read from every SubjectConfirmationData, whatever its Method: the Method has its own check.
  const signedReplies = new Set(confirmationsOf(ctx, verified.assertion)
    .flatMap((c) => children(c, NS.assertion, 'SubjectConfirmationData'))
    .map((d) => attr(d, 'InResponseTo'))
    .filter((v): v is string => v !== undefined));
  if (signedReplies.size > 1) throw fail('saml_in_response_to_mismatch', 'the SubjectConfirmations answer different requests');
  const assertionReply = [...signedReplies][0];
  const responseReply = attr(verified.response, 'InResponseTo');
  if (assertionReply !== undefined && responseReply !== undefined && assertionReply !== responseReply) {
    throw fail('saml_in_response_to_mismatch', `the Response${verified.responseSigned ? '' : ' (unsigned)'} and the Assertion answer different requests`);
  }
  const inResponseTo = assertionReply ?? (verified.responseSigned ? responseReply : undefined);
  if (inResponseTo === undefined && responseReply !== undefined) {
    // Only the unsigned envelope says this answers a request: an unsolicited assertion dressed up.
    throw fail('saml_in_response_to_missing', 'only the unsigned Response names an InResponseTo; the signed Assertion answers no request');
  }
  if (inResponseTo === undefined) {
    if (pending !== undefined) throw fail('saml_in_response_to_missing', 'a login was started (RelayState matches) but the response answers no request');
    if (!o.allowIdpInitiated) throw fail('saml_unsolicited_refused', 'unsolicited response and allowIdpInitiated is off');
    return { unsolicited: true };
  }
  // The pending login (which the HTTP layer consumed atomically under RelayState) comes first:
  // only its one holder goes on to consume the request's key, so of any number of copies of one
  // response exactly one can get through, whichever order they arrive in.
  if (pending === undefined) throw fail('saml_in_response_to_unknown', 'no open login came back with this response (RelayState missing, unknown, expired or already used)');
  if (pending.connector !== o.id || asSamlPendingLogin(pending)?.data.requestId !== inResponseTo) {
    throw fail('saml_in_response_to_mismatch', 'the RelayState belongs to another login than the one this response answers');
  }
  if (!requestIdPattern.test(inResponseTo)) throw fail('saml_in_response_to_unknown', 'InResponseTo is not a request ID Hatrack makes');
  // Consumed here, once, whatever the HTTP layer did with the pending login.
  const raw = await store.consume(requestKey(o.id, inResponseTo));
  const request = raw === undefined ? undefined : readStoredRequest(raw);
  if (request === undefined) throw fail('saml_in_response_to_unknown', 'InResponseTo names no open request of this connector (unknown, expired or already answered)');
  if (request.state !== pending.state) throw fail('saml_in_response_to_mismatch', 'the request was made for another login');
  const age = ctx.now - Math.min(request.createdAt, pending.createdAt);
  if (age > o.maxLoginAgeMs) throw fail('saml_in_response_to_expired', `the request was made ${Math.round(age / 1000)} s ago (at most ${o.maxLoginAgeMs / 1000} s)`);
  return { unsolicited: false };
}

/** S25: the Response is addressed to this ACS (a signed one must say so). */
export function checkDestination(ctx: CheckContext, response: Element, responseSigned: boolean): void {
  const destination = attr(response, 'Destination');
  if (destination === undefined && responseSigned) throw ctx.fail('saml_destination_mismatch', 'the signed Response has no Destination', 'no_destination');
  if (destination !== undefined && destination !== ctx.o.acsUrl) {
    throw ctx.fail('saml_destination_mismatch', `Destination ${logText(destination)} is not this ACS ${logText(ctx.o.acsUrl)}`);
  }
}

/** S25, S30: exactly one bearer SubjectConfirmation, whose one SubjectConfirmationData names this ACS. Returns that data. */
export function checkSubjectConfirmation(ctx: CheckContext, assertion: Element): Element {
  const { fail } = ctx;
  const confirmations = confirmationsOf(ctx, assertion);
  if (confirmations.length === 0) throw fail('saml_subject_confirmation_missing', 'the Assertion has no SubjectConfirmation');
  const bearer = confirmations.filter((c) => attr(c, 'Method') === BEARER);
  if (bearer.length === 0) throw fail('saml_confirmation_method', `no bearer SubjectConfirmation (methods: ${confirmations.map((c) => logText(attr(c, 'Method'), 80)).join(', ')})`);
  if (bearer.length > 1) throw fail('saml_subject_confirmation_invalid', 'more than one bearer SubjectConfirmation');
  const confirmationData = children(bearer[0]!, NS.assertion, 'SubjectConfirmationData');
  if (confirmationData.length !== 1) throw fail('saml_subject_confirmation_invalid', `the bearer SubjectConfirmation has ${confirmationData.length} SubjectConfirmationData`);
  const data = confirmationData[0]!;
  const recipient = attr(data, 'Recipient');
  if (recipient !== ctx.o.acsUrl) throw fail('saml_recipient_mismatch', `Recipient ${logText(recipient)} is not this ACS ${logText(ctx.o.acsUrl)}`);
  return data;
}

export function statusOf(response: Element): { code: string | undefined; describe: string } {
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

/** S32: the IdP says Success. */
export function checkStatus(ctx: CheckContext, response: Element): void {
  const status = statusOf(response);
  if (status.code !== STATUS_SUCCESS) throw ctx.fail('saml_status_not_success', `the IdP answered ${status.describe}`);
}

/** S24, S30: one Conditions of known conditions only, every AudienceRestriction naming this SP. Returns the Conditions. */
export function checkConditions(ctx: CheckContext, assertion: Element): Element {
  const { fail, o } = ctx;
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
  return conditions;
}

/**
 * S23: nothing issued in the future, nothing past its end, nothing older than the maximum age,
 * each with the configured skew. Returns the last moment the assertion could still be accepted
 * (the replay key lives until then).
 */
export function checkTimes(ctx: CheckContext, parts: { assertion: Element; response: Element; conditions: Element; confirmationData: Element }): number {
  const { o, now, fail } = ctx;
  const skewMs = o.clockSkewSeconds * 1000;
  const instant = (el: Element, name: string, required: boolean): number | undefined => {
    const v = attr(el, name);
    if (v === undefined) {
      if (required) throw fail(el === parts.confirmationData ? 'saml_subject_confirmation_invalid' : 'saml_conditions_invalid', `${el.localName} has no ${name}`);
      return undefined;
    }
    const t = instantPattern.test(v) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(t)) throw fail('saml_conditions_invalid', `${el.localName} ${name} is not a UTC time: ${logText(v, 40)}`);
    return t;
  };
  const issueInstant = instant(parts.assertion, 'IssueInstant', true)!;
  const notBefore = instant(parts.conditions, 'NotBefore', false);
  const notOnOrAfter = instant(parts.conditions, 'NotOnOrAfter', false);
  const dataNotBefore = instant(parts.confirmationData, 'NotBefore', false);
  const dataNotOnOrAfter = instant(parts.confirmationData, 'NotOnOrAfter', true)!;
  const responseIssueInstant = instant(parts.response, 'IssueInstant', false);
  const sessionEnds = children(parts.assertion, NS.assertion, 'AuthnStatement')
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
  return Math.min(notOnOrAfter ?? Infinity, dataNotOnOrAfter, issueInstant + maxAgeMs) + skewMs;
}
