// Every way a SAML login can fail, as a HatrackError with a stable code. The user sees one of a few
// plain sentences; `detail` (for the log) names the check that fired and never carries the response,
// the assertion or a certificate, only short, sanitised values the IdP put in them.

import { HatrackError, type HttpStatus } from '../../errors.ts';

const restart = 'This sign-in could not be completed. Please start again.';
const unverifiable = 'The identity provider’s answer could not be verified.';
const malformed = 'The sign-in answer from the identity provider is not readable.';

const table = {
  saml_config_invalid: [500, 'Hatrack is not configured correctly for this sign-in.'],
  // Transport and XML (S21, S33)
  saml_response_missing: [400, malformed],
  saml_response_too_large: [413, 'The sign-in answer from the identity provider is too large.'],
  saml_response_malformed: [400, malformed],
  saml_xml_forbidden: [400, malformed],
  // Structure and signature (S1–S19, S22, S31)
  saml_encrypted_assertion: [401, unverifiable],
  saml_encryption_algorithm: [401, unverifiable],
  saml_decryption_failed: [401, unverifiable],
  saml_assertion_not_encrypted: [401, unverifiable],
  saml_duplicate_id: [401, unverifiable],
  saml_wrapping_detected: [401, unverifiable],
  saml_assertion_missing: [401, unverifiable],
  saml_signature_missing: [401, unverifiable],
  saml_signature_algorithm: [401, unverifiable],
  saml_signature_invalid: [401, unverifiable],
  saml_signature_untrusted: [401, unverifiable],
  // Issuer (S26)
  saml_issuer_mismatch: [401, unverifiable],
  // InResponseTo (S27, S28)
  saml_in_response_to_missing: [401, restart],
  saml_in_response_to_unknown: [401, restart],
  saml_in_response_to_expired: [401, 'This sign-in took too long. Please start again.'],
  saml_in_response_to_mismatch: [401, restart],
  saml_unsolicited_refused: [401, 'Please start the sign-in at Hatrack instead of at your identity provider.'],
  // Destination, Recipient, Method (S25)
  saml_destination_mismatch: [401, unverifiable],
  saml_recipient_mismatch: [401, unverifiable],
  saml_confirmation_method: [401, unverifiable],
  saml_subject_confirmation_missing: [401, unverifiable],
  saml_subject_confirmation_invalid: [401, unverifiable],
  // Status (S32)
  saml_status_not_success: [401, 'The identity provider did not sign you in.'],
  // Conditions, audience, time (S23, S24, S30)
  saml_conditions_invalid: [401, unverifiable],
  saml_audience_mismatch: [401, unverifiable],
  saml_not_yet_valid: [401, 'The sign-in answer is not valid yet. Check the clocks, then try again.'],
  saml_expired: [401, 'The sign-in answer has expired. Please start again.'],
  saml_too_old: [401, 'The sign-in answer has expired. Please start again.'],
  // Identity
  saml_nameid_missing: [401, unverifiable],
  saml_email_missing: [401, 'Your identity provider did not share an email address, which Hatrack needs.'],
  saml_email_invalid: [401, 'Your identity provider sent an email address Hatrack cannot use.'],
  saml_domain_not_allowed: [403, 'Accounts of this domain may not sign in to Hatrack.'],
  // The second, independent verification by node-saml
  saml_response_rejected: [401, unverifiable],
  // Replay (S29)
  saml_replayed: [401, 'This sign-in answer was already used. Please start again.'],
} as const satisfies Record<string, readonly [HttpStatus, string]>;

export type SamlErrorCode = keyof typeof table;

/**
 * What Hatrack refuses by policy, although the IdP meant well, and what to change at the IdP. The
 * error page and the log line both say it, so that the person who sees it can pass it on and the
 * administrator can act on it (README "What Hatrack refuses by policy").
 */
export const POLICY_ADVICE = {
  sha1: 'it is signed with SHA-1, which Hatrack refuses. An administrator can fix this at the identity provider: sign with RSA-SHA256 '
    + '(AD FS: relying party trust → Advanced → Secure hash algorithm SHA-256; Okta, PingFederate, Shibboleth, Keycloak: the signature algorithm of the app or relying party).',
  whole_document: 'its signature covers the whole document (Reference URI=""), which Hatrack refuses. An administrator can fix this at the identity provider: '
    + 'have it sign the Response or the Assertion element by its ID, as the SAML profile does.',
  no_destination: 'its signed Response names no Destination, which Hatrack requires. An administrator can fix this at the identity provider: '
    + 'have it put the ACS URL in the Response\'s Destination (or sign only the Assertion).',
  encryption_required: 'its assertion is not encrypted, and this sign-in requires encrypted assertions. An administrator can fix this at the identity provider: '
    + 'turn on assertion encryption with the encryption certificate of Hatrack\'s SP metadata (or set assertionEncryption: optional in Hatrack).',
} as const;

export type PolicyRefusal = keyof typeof POLICY_ADVICE;

export function samlError(code: SamlErrorCode, connector: string, detail: string, policy?: PolicyRefusal): HatrackError {
  const [status, message] = table[code];
  if (policy === undefined) return new HatrackError(code, status, message, `connector ${connector}: ${detail}`);
  const advice = POLICY_ADVICE[policy];
  return new HatrackError(code, status, `${message.replace(/\.$/, '')}: ${advice}`, `connector ${connector}: ${detail}; refused by policy: ${advice}`);
}

/** Every code, with its HTTP status; for the HTTP layer and for tests. */
export const SAML_ERROR_STATUS: Readonly<Record<SamlErrorCode, HttpStatus>> = Object.freeze(
  Object.fromEntries(Object.entries(table).map(([code, [status]]) => [code, status])) as Record<SamlErrorCode, HttpStatus>,
);

/**
 * A value from the IdP made safe for a log line: controls and formatting characters become spaces,
 * and it is cut short. Never used on the response as a whole.
 */
export function logText(value: string | null | undefined, max = 120): string {
  if (value === null || value === undefined) return '(none)';
  const plain = value.replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, ' ');
  const chars = [...plain];
  return JSON.stringify(chars.length <= max ? plain : chars.slice(0, max - 1).join('') + '…');
}
