// Shared by the tests in this folder: one generated signing pair per test file (RSA generation
// takes a moment), sample identity and grant, and small DOM helpers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { Identity } from '../../../src/identity.ts';
import type { Grant } from '../../../src/mapping/types.ts';
import { generateSigningKeyPair } from '../../../src/aws/keys.ts';

let pair: Promise<{ keyPem: string; certPem: string }> | undefined;
let other: Promise<{ keyPem: string; certPem: string }> | undefined;

export function signingPair(): Promise<{ keyPem: string; certPem: string }> {
  return (pair ??= generateSigningKeyPair({ commonName: 'hatrack-test' }));
}

export function otherSigningPair(): Promise<{ keyPem: string; certPem: string }> {
  return (other ??= generateSigningKeyPair({ commonName: 'hatrack-other' }));
}

export const NOW = new Date('2025-03-04T05:06:07.890Z');

export function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    connector: 'google',
    subject: '1098765432101234567890',
    email: 'alice@corp.example',
    emailVerified: true,
    name: 'Alice Example',
    groups: ['aws-admins@corp.example'],
    mfa: true,
    authTime: new Date('2025-03-04T05:00:00.000Z'),
    claims: {},
    ...overrides,
  };
}

export function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    roleArn: 'arn:aws:iam::111111111111:role/ops/Admin',
    providerArn: 'arn:aws:iam::111111111111:saml-provider/hatrack',
    accountId: '111111111111',
    accountAlias: 'prod',
    roleName: 'Admin',
    sessionDuration: 3600,
    rule: 0,
    ...overrides,
  };
}

export function parseXml(xml: string): Document {
  return new DOMParser({ onError: (level, msg) => { throw new Error(`${level}: ${msg}`); } })
    .parseFromString(xml, 'text/xml');
}

export function elements(parent: Document | Element, ns: string, local: string): Element[] {
  const list = parent.getElementsByTagNameNS(ns, local);
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) out.push(list.item(i)!);
  return out;
}

export function only(parent: Document | Element, ns: string, local: string): Element {
  const all = elements(parent, ns, local);
  if (all.length !== 1) throw new Error(`expected one ${local}, found ${all.length}`);
  return all[0]!;
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** Whether xml-crypto verifies the document's one ds:Signature with `certPem` (never with KeyInfo). */
export function xmlCryptoVerifies(xml: string, certPem: string): boolean {
  const sig = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  sig.loadSignature(only(parseXml(xml), 'http://www.w3.org/2000/09/xmldsig#', 'Signature'));
  return sig.checkSignature(xml);
}

/** The xmlsec1 binary's verdict on the Assertion's signature with `certPem`: its exit status and what it printed. */
export function xmlsec1Verify(xml: string, certPem: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-xmlsec1-'));
  try {
    writeFileSync(join(dir, 'response.xml'), xml);
    writeFileSync(join(dir, 'cert.pem'), certPem);
    const r = spawnSync('/usr/bin/xmlsec1', ['--verify', '--pubkey-cert-pem', join(dir, 'cert.pem'), '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion', join(dir, 'response.xml')], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
