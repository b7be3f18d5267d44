// Session tags of a rule (AWS.md §1, for ABAC with `${aws:PrincipalTag/…}`): each key takes its value
// from a field of the verified identity. AWS's limits are checked when the config is loaded, so a
// rule can never produce a tag set STS refuses for its shape: at most 50 tags, keys of 1–128
// characters of letters, digits, spaces and `_.:/=+-@`, unique ignoring case, no `aws:` prefix;
// transitive keys must be among the tags. Values are only known when a person signs in: a value
// that is missing or outside AWS's charset drops the grant (with a trace line) rather than minting
// a session whose tags differ from what the rule says. So does a value XML would not carry
// unchanged (U+2028 is a "space" to AWS, but a line feed once parsed: aws/xml.ts, SECURITY.md C3).
import type { Identity } from '../identity.ts';
import type { ConfigProblem } from '../config/problems.ts';
import { MAX_SESSION_TAGS, inSessionTagCharset, isSessionTagKey, isSessionTagValue, type SessionTag } from '../aws/mint.ts';
import { survivesXml } from '../aws/xml.ts';
import { describeFieldRef, parseFieldRef, readField, type FieldRef } from './identity-fields.ts';

export interface TagSpec {
  key: string;
  source: FieldRef;
  transitive: boolean;
}

export function compileSessionTags(
  tags: Record<string, string> | undefined,
  transitiveKeys: string[] | undefined,
  captures: ReadonlySet<string>,
  path: string,
): { specs: TagSpec[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const specs: TagSpec[] = [];
  const entries = Object.entries(tags ?? {});
  if (entries.length > MAX_SESSION_TAGS) {
    problems.push({ path: `${path}.sessionTags`, message: `has ${entries.length} tags; AWS accepts at most ${MAX_SESSION_TAGS}` });
  }
  const seen = new Map<string, string>();
  const transitive = new Set((transitiveKeys ?? []).map((k) => k.toLowerCase()));
  for (const [key, source] of entries) {
    const at = `${path}.sessionTags.${key}`;
    if (!isSessionTagKey(key)) {
      problems.push({ path: at, message: 'tag keys are 1–128 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@' });
      continue;
    }
    if (/^aws:/i.test(key)) {
      problems.push({ path: at, message: 'the aws: prefix is reserved by AWS' });
      continue;
    }
    const earlier = seen.get(key.toLowerCase());
    if (earlier !== undefined) {
      problems.push({ path: at, message: `duplicates "${earlier}": AWS compares tag keys ignoring case` });
      continue;
    }
    seen.set(key.toLowerCase(), key);
    const parsed = parseFieldRef(source);
    if ('problem' in parsed) {
      problems.push({ path: at, message: parsed.problem });
      continue;
    }
    const ref = parsed.ref;
    if (ref.kind === 'capture' && !captures.has(ref.name)) {
      problems.push({ path: at, message: `"${describeFieldRef(ref)}" names no capture of this rule's groupPattern` });
      continue;
    }
    if (ref.kind === 'literal' && !isSessionTagValue(ref.value)) {
      problems.push({ path: at, message: 'a tag value is at most 256 letters, digits, spaces (not line or paragraph separators) or _.:/=+-@' });
      continue;
    }
    specs.push({ key, source: ref, transitive: transitive.has(key.toLowerCase()) });
  }
  (transitiveKeys ?? []).forEach((k, i) => {
    if (!seen.has(k.toLowerCase())) problems.push({ path: `${path}.transitiveTagKeys[${i}]`, message: `"${k}" is not one of this rule's sessionTags` });
  });
  return { specs, problems };
}

/** The tags for one identity and match, or why the grant cannot carry them. */
export function resolveSessionTags(
  specs: readonly TagSpec[],
  identity: Identity,
  captures: Readonly<Record<string, string | undefined>>,
): { tags: SessionTag[] } | { dropped: string } {
  const tags: SessionTag[] = [];
  for (const spec of specs) {
    const read = readField(identity, spec.source, captures);
    if ('missing' in read) return { dropped: `session tag ${spec.key}: ${read.missing}` };
    if (!inSessionTagCharset(read.value)) {
      return { dropped: `session tag ${spec.key}: the value of ${describeFieldRef(spec.source)} is longer than 256 or has characters AWS does not accept in tags` };
    }
    if (!survivesXml(read.value)) {
      return { dropped: `session tag ${spec.key}: the value of ${describeFieldRef(spec.source)} has a line or paragraph separator, which the signed assertion cannot carry unchanged` };
    }
    tags.push({ key: spec.key, value: read.value, ...(spec.transitive && { transitive: true }) });
  }
  return { tags };
}
