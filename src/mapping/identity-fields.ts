// Where a session tag or the SourceIdentity takes its value from: a field of the verified identity,
// written in config as `email`, `name`, `subject`, `connector`, `claim:<dotted.path>`, or — for tags
// only — `capture:<name>` (a named capture of the rule's groupPattern) and `literal:<text>`.
// Values only ever come from the verified identity or from config (SECURITY.md W9).
import type { Identity } from '../identity.ts';

export type FieldRef =
  | { kind: 'email' | 'name' | 'subject' | 'connector' }
  | { kind: 'claim'; path: string }
  | { kind: 'capture'; name: string }
  | { kind: 'literal'; value: string };

const claimPath = /^[^.\s]+(\.[^.\s]+)*$/;
const captureName = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function parseFieldRef(text: string): { ref: FieldRef } | { problem: string } {
  if (text === 'email' || text === 'name' || text === 'subject' || text === 'connector') return { ref: { kind: text } };
  if (text.startsWith('claim:')) {
    const path = text.slice('claim:'.length);
    return claimPath.test(path) ? { ref: { kind: 'claim', path } } : { problem: `"${text}" needs a dotted claim path after claim:` };
  }
  if (text.startsWith('capture:')) {
    const name = text.slice('capture:'.length);
    return captureName.test(name) ? { ref: { kind: 'capture', name } } : { problem: `"${text}" needs a capture name after capture:` };
  }
  if (text.startsWith('literal:')) return { ref: { kind: 'literal', value: text.slice('literal:'.length) } };
  return { problem: `"${text}" is not an identity field (email, name, subject, connector, claim:<path>, capture:<name> or literal:<text>)` };
}

export function describeFieldRef(ref: FieldRef): string {
  switch (ref.kind) {
    case 'claim': return `claim:${ref.path}`;
    case 'capture': return `capture:${ref.name}`;
    case 'literal': return `literal:${ref.value}`;
    default: return ref.kind;
  }
}

/**
 * Reads a claim by name, or by dotted path into nested objects (`org.department`). A claim whose own
 * name contains dots (`https://example.com/team`) wins over the path reading, as for groupsClaim.
 */
function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The value of `ref` for this identity (and match), or why there is none. */
export function readField(
  identity: Identity,
  ref: FieldRef,
  captures: Readonly<Record<string, string | undefined>> = {},
): { value: string } | { missing: string } {
  switch (ref.kind) {
    case 'email': return { value: identity.email };
    case 'subject': return { value: identity.subject };
    case 'connector': return { value: identity.connector };
    case 'name': return identity.name ? { value: identity.name } : { missing: 'the identity has no name' };
    case 'literal': return { value: ref.value };
    case 'capture': {
      const v = captures[ref.name];
      return v === undefined ? { missing: `the capture "${ref.name}" is not set by this match` } : { value: v };
    }
    case 'claim': {
      const v = readClaim(identity.claims, ref.path);
      if (typeof v === 'string') return { value: v };
      if (typeof v === 'number' && Number.isFinite(v)) return { value: String(v) };
      if (typeof v === 'boolean') return { value: String(v) };
      return { missing: v === undefined || v === null ? `the claim ${ref.path} is absent` : `the claim ${ref.path} is not a single string, number or boolean` };
    }
  }
}
