// A real third-party SAML IdP for the tests: SimpleSAMLphp 1.19 (Debian's `simplesamlphp`), run by
// PHP's built-in server on a free port with a configuration generated here — its own signing key,
// an example user/password source with the demo people, and one remote SP per Hatrack connector,
// read from Hatrack's own SP metadata (entity ID, ACS, encryption certificate), each signing and
// encrypting as the test asks.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { generateSigningKeyPair } from '../../src/aws/keys.ts';
import type { DemoPerson } from '../../src/dev/demo-people.ts';
import { freePort } from './redis.ts';

export const SIMPLESAMLPHP_WWW = '/usr/share/simplesamlphp/www';

export interface RemoteSp {
  /** Hatrack's SP metadata for this connector, as served at /saml/<id>/metadata. */
  metadataXml: string;
  signResponse: boolean;
  signAssertion: boolean;
  encryptAssertion: boolean;
}

export interface SimpleSamlPhp {
  url: string;
  entityId: string;
  ssoUrl: string;
  certPem: string;
  /** The IdP-initiated login of an SP. */
  unsolicitedUrl(spEntityId: string): string;
  /** Writes the remote SPs (Hatrack's connectors) into the IdP's metadata; SimpleSAMLphp reads it per request. */
  setServiceProviders(sps: readonly RemoteSp[]): void;
  stop(): Promise<void>;
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** A PHP string literal. */
const php = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const phpList = (items: string[]) => `[${items.join(', ')}]`;

/** What SimpleSAMLphp needs of an SP, read from its SAML metadata. */
function remoteSpEntry(sp: RemoteSp): string {
  const doc = new DOMParser().parseFromString(sp.metadataXml, 'application/xml');
  const entity = doc.documentElement!;
  const entityId = entity.getAttribute('entityID')!;
  const acs = doc.getElementsByTagNameNS(MD, 'AssertionConsumerService').item(0)!.getAttribute('Location')!;
  const keys: string[] = [];
  const descriptors = doc.getElementsByTagNameNS(MD, 'KeyDescriptor');
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors.item(i)!;
    if (d.getAttribute('use') !== 'encryption') continue;
    const cert = d.getElementsByTagNameNS(DS, 'X509Certificate').item(0)!.textContent!.replace(/\s/g, '');
    keys.push(`['encryption' => true, 'signing' => false, 'type' => 'X509Certificate', 'X509Certificate' => ${php(cert)}]`);
  }
  return `$metadata[${php(entityId)}] = [
  'AssertionConsumerService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => ${php(acs)}]],
  'NameIDFormat' => ${php(EMAIL)},
  'simplesaml.nameidattribute' => 'email',
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
  'saml20.sign.response' => ${sp.signResponse},
  'saml20.sign.assertion' => ${sp.signAssertion},
  'assertion.encryption' => ${sp.encryptAssertion},
  'keys' => ${phpList(keys)},
];
`;
}

export async function startSimpleSamlPhp(people: readonly DemoPerson[]): Promise<SimpleSamlPhp> {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-simplesamlphp-'));
  for (const sub of ['config', 'metadata', 'cert', 'log', 'data', 'tmp']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const key = await generateSigningKeyPair({ commonName: 'simplesamlphp-test-idp' });
  writeFileSync(join(dir, 'cert', 'idp.key'), key.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'cert', 'idp.crt'), key.certPem);

  writeFileSync(join(dir, 'config', 'config.php'), `<?php
$config = [
  'baseurlpath' => ${php(`${url}/`)},
  'certdir' => ${php(join(dir, 'cert'))},
  'loggingdir' => ${php(join(dir, 'log'))},
  'datadir' => ${php(join(dir, 'data'))},
  'tempdir' => ${php(join(dir, 'tmp'))},
  'metadatadir' => ${php(join(dir, 'metadata'))},
  'metadata.sources' => [['type' => 'flatfile', 'directory' => ${php(join(dir, 'metadata'))}]],
  'technicalcontact_name' => 'Hatrack tests',
  'technicalcontact_email' => 'tests@example.com',
  'timezone' => 'UTC',
  'secretsalt' => ${php(randomBytes(24).toString('hex'))},
  'auth.adminpassword' => ${php(randomBytes(24).toString('hex'))},
  'admin.protectindexpage' => false,
  'admin.protectmetadata' => false,
  'enable.saml20-idp' => true,
  'enable.shib13-idp' => false,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
  'store.type' => 'phpsession',
  'session.cookie.secure' => false,
  'session.phpsession.savepath' => ${php(join(dir, 'tmp'))},
  'logging.handler' => 'file',
  'logging.logfile' => 'simplesamlphp.log',
  'logging.level' => 4,
  'showerrors' => true,
  'errorreporting' => false,
  'language.available' => ['en'],
  'language.default' => 'en',
];
`);
  const users = people.map((p) => `  ${php(`${p.username}:${p.password}`)} => ['uid' => [${php(p.username)}], 'email' => [${php(p.email)}], 'groups' => ${phpList(p.groups.map(php))}],`).join('\n');
  writeFileSync(join(dir, 'config', 'authsources.php'), `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'people' => ['exampleauth:UserPass',
${users}
  ],
];
`);
  writeFileSync(join(dir, 'metadata', 'saml20-idp-hosted.php'), `<?php
$metadata['__DYNAMIC:1__'] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'people',
  'NameIDFormat' => ${php(EMAIL)},
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
`);
  const writeSps = (sps: readonly RemoteSp[]) => writeFileSync(join(dir, 'metadata', 'saml20-sp-remote.php'), `<?php\n${sps.map(remoteSpEntry).join('\n')}`);
  writeSps([]);

  const child: ChildProcess = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', SIMPLESAMLPHP_WWW], {
    env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: join(dir, 'config') },
    stdio: 'ignore',
  });
  const entityId = `${url}/saml2/idp/metadata.php`;
  for (let i = 0; ; i++) {
    const ok = await fetch(entityId).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || i > 100) {
      child.kill();
      throw new Error(`SimpleSAMLphp did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    entityId,
    ssoUrl: `${url}/saml2/idp/SSOService.php`,
    certPem: key.certPem,
    unsolicitedUrl: (spEntityId) => `${url}/saml2/idp/SSOService.php?spentityid=${encodeURIComponent(spEntityId)}`,
    setServiceProviders: writeSps,
    async stop() {
      child.kill();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
