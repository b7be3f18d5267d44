// `hatrack keys`: show, create and rotate the key that signs assertions for AWS, or with
// `--decryption` the key SAML connectors decrypt assertions with.
//   hatrack keys           the current (and next) certificate; generates a key when none exists
//   hatrack keys metadata  the IdP metadata to upload to IAM, listing every certificate on disk
//   hatrack keys rotate    creates the next key; upload the metadata to IAM (or, for the
//                          decryption key, give the IdPs the new SP metadata), then…
//   hatrack keys promote   …make the next key the current one
import { X509Certificate } from 'node:crypto';
import { keyFilePaths, loadOrCreateSigningKeys, rotateSigningKeys, type KeyFiles, type KeyGenerationOptions } from '../aws/keys.ts';
import type { Config } from '../config/schema.ts';
import { idpMetadataXml } from '../aws/metadata.ts';
import { DECRYPTION_CERT_NAME } from '../connectors/saml/encryption.ts';
import { idpEntityId, publicBaseUrl } from '../config/derived.ts';
import { configSource, loadConfigFrom } from './config-source.ts';
import type { Io } from './main.ts';
import { refuseMovedKeys } from '../config/moved-keys.ts';

function describe(label: string, pem: string): string {
  const cert = new X509Certificate(pem);
  return `${label}: ${cert.subject.replace(/\n/g, ', ')}, valid until ${new Date(cert.validTo).toISOString()}, SHA-256 ${cert.fingerprint256}`;
}

/** One of the keys `hatrack keys` looks after, and what to tell the administrator about it. */
interface ManagedKey {
  files: KeyFiles;
  generation: KeyGenerationOptions;
  /** How the messages name it. */
  noun: string;
  /** The command, for its error messages. */
  command: string;
  /** The actions it takes, for the unknown-action message. */
  actions: string;
  afterRotate: string;
  afterPromote: string;
}

function signingKey(config: Config): ManagedKey {
  return {
    files: config.signing,
    generation: {},
    noun: 'key',
    command: 'hatrack keys',
    actions: 'show, metadata, rotate or promote',
    afterRotate: 'Next: upload metadata listing both certificates to every account:\n' +
      '  hatrack keys metadata > metadata.xml\n' +
      '  aws iam update-saml-provider --saml-provider-arn <arn> --saml-metadata-document file://metadata.xml\n' +
      'then run `hatrack keys promote` and restart every broker process.\n' +
      '(Running brokers keep serving the metadata they started with until they restart.)',
    afterPromote: 'The next key now signs. Restart every broker process; keep the old certificate in IAM until they have.',
  };
}

/** The SP decryption key, published in the SP metadata of each SAML connector that decrypts. */
function decryptionKey(config: Config): ManagedKey {
  const saml = config.connectors.filter((c) => c.type === 'saml' && c.assertionEncryption !== 'off').map((c) => `${publicBaseUrl(config)}/saml/${c.id}/metadata`);
  const where = saml.length > 0 ? saml.join(', ') : '<publicUrl>/saml/<connector>/metadata';
  return {
    files: config.decryption,
    generation: { commonName: DECRYPTION_CERT_NAME },
    noun: 'decryption key',
    command: 'hatrack keys --decryption',
    actions: 'show, rotate or promote; the certificates are published in each SAML connector\'s SP metadata',
    afterRotate: `Next: restart every broker process, so that the SP metadata (${where}) lists both certificates and either decrypts;\n`
      + 'give each IdP the new metadata or certificate; then run `hatrack keys promote --decryption` and restart again.',
    afterPromote: 'The next key is now the current one. Restart every broker process; an IdP still encrypting to the old certificate fails until it has the new one.',
  };
}

export async function keysCommand(flag: string | undefined, action: string | undefined, io: Io, options: { decryption?: boolean } = {}): Promise<number> {
  const { config, baseDir } = await loadConfigFrom(configSource(flag));
  refuseMovedKeys(config, baseDir);
  const managed = options.decryption ? decryptionKey(config) : signingKey(config);
  const { files } = managed;
  const paths = keyFilePaths(files, baseDir);

  if (action === undefined || action === 'show') {
    const keys = await loadOrCreateSigningKeys({ ...paths, ...managed.generation });
    if (keys.created) io.out(`generated ${files.key} and ${files.cert}`);
    for (const w of keys.warnings) io.err(`warning: ${w}`);
    io.out(describe('current', keys.current.certPem));
    if (keys.next) io.out(describe('next', keys.next.certPem));
    return 0;
  }
  if (action === 'metadata' && !options.decryption) {
    // Read from disk now, so it lists a next key that running brokers have not loaded yet.
    const keys = await loadOrCreateSigningKeys(paths);
    const certificates = [keys.current.certPem, ...(keys.next ? [keys.next.certPem] : [])];
    io.out(idpMetadataXml({ entityId: idpEntityId(config), certificates, ssoUrl: `${publicBaseUrl(config)}/` }));
    return 0;
  }
  if (action === 'rotate' || action === 'promote') {
    const result = await rotateSigningKeys(paths, action === 'rotate' ? 'prepare' : 'promote', managed.generation);
    if (action === 'rotate') {
      io.out(result.changed ? `created the next ${managed.noun}: ${files.nextKey}, ${files.nextCert}` : `a next ${managed.noun} is already waiting`);
      io.out(describe('next', result.keys.next!.certPem));
      io.out(managed.afterRotate);
    } else {
      io.out(describe('current', result.keys.current.certPem));
      io.out(managed.afterPromote);
    }
    return 0;
  }
  io.err(`${managed.command}: unknown action "${action}" (${managed.actions})`);
  return 2;
}
