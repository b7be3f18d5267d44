// From verified claims to an Identity. Pure: the ID token claims have passed every check and the
// UserInfo response (when fetched) has the same `sub`. Groups are data: taken as the provider sent
// them, kept only when they are strings, in NFC like every identity value (normaliseIdentity, C3).

import { fail } from '../../errors.ts';
import { normaliseIdentity, type Identity } from '../../identity.ts';
import { emailDomain, inAllowedDomains } from '../domains.ts';
import type { ResolvedOidcOptions } from './options.ts';

export type Claims = Record<string, unknown>;

/**
 * Reads a claim by name, or by dotted path into nested objects (`realm_access.roles`). A claim whose
 * own name contains dots (`https://example.com/groups`) wins over the path reading.
 */
export function readClaim(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Claims)[part];
  }
  return node;
}

/** A groups claim as a list of strings: a single string becomes one group; non-strings are dropped. */
export function groupsFromValue(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return [];
}

/** Whether UserInfo must be fetched to build the identity. */
export function needsUserinfo(o: ResolvedOidcOptions, idToken: Claims): boolean {
  return o.groupsFrom === 'userinfo'
    || readClaim(idToken, o.groupsClaim) === undefined
    || readClaim(idToken, o.emailClaim) === undefined;
}

// Deliberately loose: one "@", no whitespace or controls, a sane length. The AWS layer sanitises
// what it derives from the address.
const emailShape = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+$/u;

function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

export function identityFromClaims(o: ResolvedOidcOptions, idToken: Claims, userinfo?: Claims): Identity {
  const subject = idToken.sub;
  // Whitespace is kept (C3), but a subject of nothing else names nobody.
  if (typeof subject !== 'string' || subject.trim().length === 0 || subject.length > 255) {
    throw fail.unauthenticated('oidc_id_token_invalid', 'The identity provider’s answer could not be verified.',
      `connector ${o.id}: ID token "sub" is empty, only whitespace, or too long`);
  }

  // Email and its verification flag are read from the same source: the ID token when it has the
  // address, otherwise UserInfo.
  const emailSource = readClaim(idToken, o.emailClaim) !== undefined ? idToken : userinfo ?? {};
  const email = readClaim(emailSource, o.emailClaim);
  if (email === undefined || email === null || email === '') {
    throw fail.unauthenticated('oidc_email_missing', 'Your identity provider did not share an email address, which Hatrack needs.',
      `connector ${o.id}: no "${o.emailClaim}" claim for subject ${subject}`);
  }
  const invalidEmail = () => fail.unauthenticated('oidc_email_invalid', 'Your identity provider sent an email address Hatrack cannot use.',
    `connector ${o.id}: "${o.emailClaim}" claim is not an email address for subject ${subject}`);
  if (typeof email !== 'string') throw invalidEmail();
  const verified = emailSource.email_verified;
  const unverified = o.requireEmailVerified === true ? !isTrue(verified)
    : o.requireEmailVerified === false ? false
    : verified !== undefined && !isTrue(verified);
  if (unverified) {
    throw fail.unauthenticated('oidc_email_unverified', 'Your email address is not verified at your identity provider.',
      `connector ${o.id}: email_verified is ${JSON.stringify(verified ?? null)} for subject ${subject}`);
  }

  const groupsSource = o.groupsFrom === 'userinfo' ? userinfo ?? {}
    : readClaim(idToken, o.groupsClaim) !== undefined ? idToken : userinfo ?? {};
  const groups = groupsFromValue(readClaim(groupsSource, o.groupsClaim));

  const name = [idToken.name, userinfo?.name].find((n): n is string => typeof n === 'string' && n.length > 0);
  const amr = Array.isArray(idToken.amr) ? idToken.amr.filter((v): v is string => typeof v === 'string') : [];
  const mfa = amr.some((v) => o.mfaValues.includes(v))
    || (typeof idToken.acr === 'string' && o.mfaAcrValues.includes(idToken.acr));
  const authTime = typeof idToken.auth_time === 'number' && Number.isFinite(idToken.auth_time)
    ? new Date(idToken.auth_time * 1000) : undefined;

  // NFC and nothing else (C3); what is checked below is what the rules will see.
  const identity = normaliseIdentity({
    connector: o.id,
    subject,
    email,
    emailVerified: isTrue(verified) || o.emailsVerified,
    ...(name !== undefined && { name }),
    groups,
    mfa,
    ...(authTime !== undefined && { authTime }),
    // The ID token's claims win over UserInfo's: they are the signed ones.
    claims: { ...userinfo, ...idToken },
  });
  if (identity.email.length > 320 || !emailShape.test(identity.email)) throw invalidEmail();
  if (!inAllowedDomains(identity.email, o.allowedDomains)) {
    throw fail.unauthenticated('oidc_domain_not_allowed', 'Your email address is not in a domain this sign-in accepts.',
      `connector ${o.id}: email domain ${JSON.stringify(emailDomain(identity.email).slice(0, 253))} is not in allowedDomains`);
  }
  return identity;
}
