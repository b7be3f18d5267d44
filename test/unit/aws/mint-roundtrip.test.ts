// SECURITY.md C3 on the way out: every value Hatrack mints reaches AWS as meant. For identities and
// session tags of every awkward kind — spaces AWS counts as spaces (U+00A0, U+3000, U+2028),
// markup, astral letters, decomposed accents — the mapping either drops the grant with a reason,
// or the minted assertion, parsed as the offline AWS stand-in parses it and verified by
// xml-crypto, carries each value exactly: the role pair, the names derived from the email, the
// NameID, the session length, every tag key and value.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_ATTRIBUTES, isSessionTagValue, mintAwsResponse, nameIdFor, type IdpSettings, type SessionTag } from '../../../src/aws/mint.ts';
import { sanitiseSessionName, sanitiseSourceIdentity } from '../../../src/aws/names.ts';
import { createKeySigner } from '../../../src/aws/signer.ts';
import { isHatrackError } from '../../../src/errors.ts';
import { normaliseIdentity } from '../../../src/identity.ts';
import { resolveSessionTags } from '../../../src/mapping/session-tags.ts';
import { NOW, elements, grant, identity, only, parseXml, signingPair, xmlCryptoVerifies } from './support.ts';

const A = 'urn:oasis:names:tc:SAML:2.0:assertion';
let idp: IdpSettings;
let certPem: string;
beforeAll(async () => {
  const pair = await signingPair();
  certPem = pair.certPem;
  idp = { entityId: 'https://hatrack.example.com/saml/metadata', signer: createKeySigner({ current: pair }), recipient: 'https://signin.aws.amazon.com/saml', audience: 'https://signin.aws.amazon.com/saml' };
});

const awkward = ['a', 'Z', '0', ' ', '\u00a0', '\u3000', '\u2028', '\u2029', '_', '.', ':', '/', '=', '+', '-', '@', 'e\u0301', '\u00e9', '\u{1d51e}',
  '\u0661', '<', '&', '"', ']]>', '\t', '\n', '\r', '\ufeff'];
const text = (min: number, max: number) => fc.array(fc.constantFrom(...awkward), { minLength: min, maxLength: max }).map((xs) => xs.join(''));

function valuesOf(doc: ReturnType<typeof parseXml>): Map<string, string[]> {
  return new Map(elements(doc, A, 'Attribute').map((a) => [a.getAttribute('Name') ?? '', elements(a, A, 'AttributeValue').map((v) => v.textContent ?? '')]));
}

const verifies = (xml: string) => xmlCryptoVerifies(xml, certPem);

describe('what Hatrack mints is what AWS reads (C3)', () => {
  it('each value arrives exactly as meant, or the grant is dropped before minting', () => {
    let minted = 0;
    let dropped = 0;
    fc.assert(fc.property(
      fc.record({ local: text(1, 12), name: text(1, 12), subject: text(1, 12) }),
      fc.uniqueArray(fc.tuple(fc.constantFrom('team', 'Cost Center', 'proj:x', '\u00e9quipe', 'a@b'), text(0, 14)), { maxLength: 4, selector: ([k]) => k.toLowerCase() }),
      ({ local, name, subject }, tagValues) => {
        const who = normaliseIdentity(identity({ email: `${local}@corp.example`, name, subject }));
        // What the mapping does with tag values read from the identity (session-tags.ts).
        const specs = tagValues.map(([key], i) => ({ key, source: { kind: 'claim' as const, path: `t${i}` }, transitive: i === 0 }));
        const claims = Object.fromEntries(tagValues.map(([, v], i) => [`t${i}`, v]));
        const resolved = resolveSessionTags(specs, { ...who, claims }, {});
        if ('dropped' in resolved) {
          dropped++;
          expect(tagValues.some(([, v]) => !isSessionTagValue(v))).toBe(true);
          return;
        }
        const tags: SessionTag[] = resolved.tags;
        const g = grant({ sourceIdentity: who.email });
        const xml = mintAwsResponse(who, g, idp, NOW, { sessionTags: tags });
        minted++;
        const doc = parseXml(xml);
        const values = valuesOf(doc);
        expect(values.get(AWS_ATTRIBUTES.role)).toEqual([`${g.roleArn},${g.providerArn}`]);
        expect(values.get(AWS_ATTRIBUTES.roleSessionName)).toEqual([sanitiseSessionName(who.email)]);
        expect(values.get(AWS_ATTRIBUTES.sourceIdentity)).toEqual([sanitiseSourceIdentity(who.email)]);
        expect(values.get(AWS_ATTRIBUTES.sessionDuration)).toEqual([String(g.sessionDuration)]);
        for (const t of tags) expect(values.get(AWS_ATTRIBUTES.principalTag + t.key), t.key).toEqual([t.value]);
        if (tags.length > 0) expect(values.get(AWS_ATTRIBUTES.transitiveTagKeys)).toEqual([tags[0]!.key]);
        expect(only(doc, A, 'NameID').textContent).toBe(nameIdFor(who));
        expect(verifies(xml)).toBe(true);
      },
    ), { numRuns: 300, seed: 3 });
    expect(minted, 'many cases are minted').toBeGreaterThan(50);
    expect(dropped, 'and some are dropped').toBeGreaterThan(5);
  });

  it('a tag value with a line separator is dropped with a reason, and mint refuses it outright', () => {
    const who = identity({ claims: { team: 'Line\u2028Sep' } });
    const r = resolveSessionTags([{ key: 'team', source: { kind: 'claim', path: 'team' }, transitive: false }], who, {});
    expect(r).toEqual({ dropped: 'session tag team: the value of claim:team has a line or paragraph separator, which the signed assertion cannot carry unchanged' });
    let code = '';
    try {
      mintAwsResponse(who, grant(), idp, NOW, { sessionTags: [{ key: 'team', value: 'Line\u2028Sep' }] });
    } catch (e) {
      code = isHatrackError(e) ? e.code : String(e);
    }
    expect(code).toBe('mint_invalid_session_tags');
  });
});
