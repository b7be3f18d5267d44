// Reading a passport profile: the object a strategy hands its verify callback. Its shape is the
// strategy's (passport's "normalised profile" is a convention: `id`, `displayName`, `emails[]`),
// so every field is found by a configured path.

/**
 * The value at a dotted path: object keys, and array positions written as numbers
 * (`emails.0.value`). A key that itself contains dots wins over the path reading.
 */
export function readProfilePath(profile: unknown, path: string): unknown {
  if (isRecord(profile) && Object.hasOwn(profile, path)) return profile[path];
  let node: unknown = profile;
  for (const part of path.split('.')) {
    if (Array.isArray(node) && /^(0|[1-9]\d{0,5})$/.test(part)) node = node[Number(part)];
    else if (isRecord(node) && Object.hasOwn(node, part)) node = node[part];
    else return undefined;
  }
  return node;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Groups as a list of strings: a string is one group; a list keeps its strings, and of objects
 * their `value` (passport's convention for multi-valued fields); anything else is dropped.
 */
export function groupsFromProfileValue(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.flatMap((g) => (typeof g === 'string' ? [g] : isRecord(g) && typeof g.value === 'string' ? [g.value] : []));
}
