// The AWS attributes of a verified assertion (AWS.md §1): reading them by their case-sensitive
// names, matching the Role pair, and session tags held to AWS's limits and the trust policy.
import type { Element } from '@xmldom/xmldom';
import { StandinError, reject } from './errors.ts';
import type { Role } from './iam.ts';
import { NS, attr, children, text } from './safe-xml.ts';

export const AWS_ATTRIBUTE = {
  role: 'https://aws.amazon.com/SAML/Attributes/Role',
  roleSessionName: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
  sessionDuration: 'https://aws.amazon.com/SAML/Attributes/SessionDuration',
  sourceIdentity: 'https://aws.amazon.com/SAML/Attributes/SourceIdentity',
  principalTagPrefix: 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:',
  transitiveTagKeys: 'https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys',
} as const;

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;

/** Attribute values by attribute Name, from every AttributeStatement of the verified assertion. */
export function readAttributes(assertion: Element): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, NS.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name') ?? '';
      const values = children(attribute, NS.assertion, 'AttributeValue').map((v) => text(v));
      out.set(name, [...(out.get(name) ?? []), ...values]);
    }
  }
  return out;
}

export function single(attributes: Map<string, string[]>, name: string, label: string): string | undefined {
  const values = attributes.get(name);
  if (values === undefined) return undefined;
  if (values.length !== 1) throw reject.token(`${label} in AuthnResponse must have exactly one value.`);
  return values[0];
}

/** The Role value naming this role and provider, `role,provider` or `provider,role`. */
export function matchesRolePair(value: string, roleArn: string, providerArn: string): boolean {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length !== 2) return false;
  return (parts[0] === roleArn && parts[1] === providerArn) || (parts[0] === providerArn && parts[1] === roleArn);
}

/** Session tags of the assertion; `mayTag` asks the role's trust policy for sts:TagSession. */
export function readTags(attributes: Map<string, string[]>, role: Role, mayTag: () => boolean): { tags: Record<string, string>; transitive: string[] } {
  const tags: Record<string, string> = {};
  const lowerKeys = new Set<string>();
  for (const [name, values] of attributes) {
    if (!name.startsWith(AWS_ATTRIBUTE.principalTagPrefix)) continue;
    const key = name.slice(AWS_ATTRIBUTE.principalTagPrefix.length);
    if (values.length !== 1) throw reject.validation(`Session tag '${key}' must have exactly one value.`);
    const value = values[0]!;
    if (key.length === 0 || key.length > MAX_TAG_KEY || !TAG_KEY.test(key)) {
      throw reject.validation(`Session tag key '${key.slice(0, 140)}' must be 1–${MAX_TAG_KEY} characters of letters, digits, spaces and _.:/=+-@.`);
    }
    if (key.toLowerCase().startsWith('aws:')) throw reject.validation(`Session tag key '${key}' uses the reserved prefix 'aws:'.`);
    if (value.length > MAX_TAG_VALUE || !TAG_VALUE.test(value)) {
      throw reject.validation(`Session tag value for '${key}' must be at most ${MAX_TAG_VALUE} characters of letters, digits, spaces and _.:/=+-@.`);
    }
    if (lowerKeys.has(key.toLowerCase())) throw reject.validation(`Duplicate tag keys found: '${key}' (tag keys are case-insensitive).`);
    lowerKeys.add(key.toLowerCase());
    tags[key] = value;
  }
  const transitive = attributes.get(AWS_ATTRIBUTE.transitiveTagKeys) ?? [];
  const count = Object.keys(tags).length;
  if ((count > 0 || transitive.length > 0) && !mayTag()) {
    throw reject.denied(`Not authorized to perform sts:TagSession on ${role.arn}.`);
  }
  if (count > MAX_TAGS) {
    throw new StandinError('PackedPolicyTooLarge', 400, `Packed size of session tags exceeds the limit: ${count} tags given, at most ${MAX_TAGS} allowed.`);
  }
  for (const key of transitive) {
    if (!lowerKeys.has(key.toLowerCase())) throw reject.validation(`Transitive tag key '${key}' is not among the session tags.`);
  }
  return { tags, transitive };
}
