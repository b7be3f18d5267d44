// Writes the frozen SAML fixtures in test/fixtures/saml: Google-shaped tile responses signed once by
// a throwaway key (whose private half is not kept), named after the case they prove, in the manner
// of node-saml's fixtures. They guard against a library upgrade changing what verifies.
// Regenerate with: node test/support/saml/write-fixtures.ts   (Node 22.18 or newer: it runs the TypeScript as is)

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPair } from '../../../src/aws/keys.ts';
import { SAML_NS, first, makeResponse, response, assertion, evilCopy, setText, type Keys } from './test-idp.ts';

const dir = join(import.meta.dirname, '../../fixtures/saml');
const pair = await generateSigningKeyPair({ commonName: 'frozen-fixture-google-idp', now: new Date('2026-01-01T00:00:00Z') });
const k: Keys = { idp: pair, next: pair, attacker: pair, sp: pair, spNext: pair };
const fixed = (name: string) => ({ spec: { assertionId: `_fixture-${name}`, responseId: `_fixture-response-${name}` } });

const fixtures: Record<string, string> = {
  'response.tile.assertion-signed.xml': makeResponse(k, fixed('a')).xml,
  'response.tile.both-signed.xml': makeResponse(k, { ...fixed('b'), signing: 'both' }).xml,
  'response.tile.response-signed.assertion-unsigned.xml': makeResponse(k, { ...fixed('c'), signing: 'response' }).xml,
  'response.tile.assertion-signed.nameid-comment-injected.xml': makeResponse(k, {
    spec: { ...fixed('d').spec, nameId: 'alice@corp.example.evil.example' },
    tamper: (doc) => {
      const nameId = first(doc, SAML_NS.assertion, 'NameID');
      setText(nameId, 'alice@corp.example');
      nameId.appendChild(doc.createComment(''));
      nameId.appendChild(doc.createTextNode('.evil.example'));
    },
  }).xml,
  'response.tile.assertion-signed.nameid-tampered.xml': makeResponse(k, {
    ...fixed('e'),
    tamper: (doc) => setText(first(doc, SAML_NS.assertion, 'NameID'), 'mallory@corp.example'),
  }).xml,
  'response.tile.assertion-signed.evil-assertion-before.xml': makeResponse(k, {
    ...fixed('f'),
    tamper: (doc) => response(doc).insertBefore(evilCopy(doc, 'mallory@corp.example'), assertion(doc)),
  }).xml,
  'response.tile.assertion-signed-rsa-sha1.xml': makeResponse(k, {
    ...fixed('g'),
    signOptions: { signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' },
  }).xml,
};

writeFileSync(join(dir, 'idp.cert.pem'), pair.certPem);
for (const [name, xml] of Object.entries(fixtures)) writeFileSync(join(dir, name), `${xml}\n`);
console.log(`wrote ${Object.keys(fixtures).length + 1} files to ${dir}`);
