// From a verified Assertion to an Identity. Only the Assertion's own direct children are read:
// Subject/NameID, AttributeStatement, AuthnStatement. Assertions inside Advice never feed the
// identity (S19), and every value is the whole text of its element (S20), untrimmed. Attribute
// values come as lists whatever their number (node-saml would give a string for one value and an
// array for several); groups are data, kept exactly as sent, in NFC (normaliseIdentity, C3).

import type { Element } from '@xmldom/xmldom';
import { normaliseIdentity, type Identity } from '../../identity.ts';
import { emailDomain, inAllowedDomains } from '../domains.ts';
import type { SamlErrorCode } from './errors.ts';
import type { ResolvedSamlOptions } from './options.ts';
import { Refused } from './refused.ts';
import { NS, attr, children, wholeText } from './xml.ts';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export class IdentityRefused extends Refused<SamlErrorCode> {
  override readonly name = 'IdentityRefused';
}

export interface AssertionContent {
  nameId: string;
  nameIdFormat: string | undefined;
  /** Every attribute by Name, values in document order, empty and complex values left out. */
  attributes: Map<string, string[]>;
  authnContextClassRefs: string[];
  authnInstant: Date | undefined;
  sessionIndex: string | undefined;
}

/** Reads what the identity is made of from a verified Assertion. */
export function readAssertion(assertion: Element): AssertionContent {
  const subject = children(assertion, NS.assertion, 'Subject')[0];
  const nameIds = subject ? children(subject, NS.assertion, 'NameID') : [];
  if (subject && children(subject, NS.assertion, 'EncryptedID').length > 0) throw new IdentityRefused('saml_encrypted_assertion', 'the NameID is encrypted');
  if (nameIds.length !== 1) throw new IdentityRefused('saml_nameid_missing', `the Subject has ${nameIds.length} NameIDs`);
  const nameIdEl = nameIds[0]!;
  const nameId = wholeText(nameIdEl);
  // Whitespace is kept (C3), but a NameID of nothing else names nobody.
  if (nameId.trim().length === 0 || nameId.length > 512 || children(nameIdEl).length > 0) throw new IdentityRefused('saml_nameid_missing', 'the NameID is empty, only whitespace, too long or not text');

  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    if (children(statement, NS.assertion, 'EncryptedAttribute').length > 0) throw new IdentityRefused('saml_encrypted_assertion', 'an attribute is encrypted');
    for (const attribute of children(statement, NS.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name');
      if (!name) continue;
      const values = attributes.get(name) ?? [];
      for (const v of children(attribute, NS.assertion, 'AttributeValue')) {
        if (v.getAttributeNS(XSI, 'nil') === 'true' || children(v).length > 0) continue;
        const text = wholeText(v);
        if (text.length > 0) values.push(text);
      }
      attributes.set(name, values);
    }
  }

  const authn = children(assertion, NS.assertion, 'AuthnStatement');
  const classRefs = authn.flatMap((s) => children(s, NS.assertion, 'AuthnContext'))
    .flatMap((c) => children(c, NS.assertion, 'AuthnContextClassRef'))
    .map(wholeText);
  const instant = authn[0] ? attr(authn[0], 'AuthnInstant') : undefined;
  const authnInstant = instant !== undefined && !Number.isNaN(Date.parse(instant)) ? new Date(instant) : undefined;
  return {
    nameId,
    nameIdFormat: attr(nameIdEl, 'Format'),
    attributes,
    authnContextClassRefs: classRefs,
    authnInstant,
    sessionIndex: authn[0] ? attr(authn[0], 'SessionIndex') : undefined,
  };
}

// Deliberately loose, like the OIDC connector's: one "@", no whitespace or controls, a sane length.
const emailShape = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+$/u;

function single(content: AssertionContent, name: string): string | undefined {
  const values = content.attributes.get(name);
  return values && values.length === 1 ? values[0] : undefined;
}

export function identityFromAssertion(o: ResolvedSamlOptions, issuer: string, content: AssertionContent): Identity {
  let email: string | undefined;
  if (o.emailFrom === 'nameid') {
    email = content.nameId;
  } else {
    const values = content.attributes.get(o.emailFrom) ?? [];
    if (values.length === 0) throw new IdentityRefused('saml_email_missing', `no "${o.emailFrom}" attribute`);
    if (values.length > 1) throw new IdentityRefused('saml_email_invalid', `the "${o.emailFrom}" attribute has ${values.length} values`);
    email = values[0];
  }
  if (email === undefined) throw new IdentityRefused('saml_email_invalid', `the "${o.emailFrom}" attribute is not an email address`);

  const values = content.attributes.get(o.groupsAttribute) ?? [];
  // A delimited list only where the connector says so, split on exactly that text: the pieces
  // are names as sent (nothing trimmed); an empty piece (`a,,b`, a trailing `,`) names nothing.
  const delimiter = o.groupsDelimiter;
  const names = delimiter === undefined ? values : values.flatMap((v) => v.split(delimiter).filter((g) => g.length > 0));
  const groups = [...new Set(names)];
  const full = single(content, o.nameAttribute);
  const parts = [single(content, o.firstNameAttribute), single(content, o.lastNameAttribute)].filter((p): p is string => p !== undefined);
  const name = full ?? (parts.length > 0 ? parts.join(' ') : undefined);
  const mfa = content.authnContextClassRefs.length > 0 && content.authnContextClassRefs.every((c) => o.mfaContextClasses.includes(c));

  const claims: Record<string, unknown> = Object.fromEntries([...content.attributes].map(([k, v]) => [k, [...v]]));
  Object.assign(claims, {
    nameId: content.nameId,
    ...(content.nameIdFormat !== undefined && { nameIdFormat: content.nameIdFormat }),
    issuer,
    ...(content.sessionIndex !== undefined && { sessionIndex: content.sessionIndex }),
    ...(content.authnContextClassRefs.length > 0 && { authnContextClassRef: content.authnContextClassRefs[0] }),
  });

  // NFC and nothing else (C3); what is checked below is what the rules will see.
  const identity = normaliseIdentity({
    connector: o.id,
    subject: content.nameId,
    email,
    // SAML says nothing of whether an address was verified; the admin says it of the IdP.
    emailVerified: o.emailsVerified,
    ...(name !== undefined && { name }),
    groups,
    mfa,
    ...(content.authnInstant !== undefined && { authTime: content.authnInstant }),
    claims,
  });
  if (identity.email.length > 320 || !emailShape.test(identity.email)) {
    throw new IdentityRefused('saml_email_invalid', `the ${o.emailFrom === 'nameid' ? 'NameID' : `"${o.emailFrom}" attribute`} is not an email address`);
  }
  if (!inAllowedDomains(identity.email, o.allowedDomains)) {
    throw new IdentityRefused('saml_domain_not_allowed', `email domain ${JSON.stringify(emailDomain(identity.email).slice(0, 253))} is not in allowedDomains`);
  }
  return identity;
}
