// `hatrack keys`: show, create and rotate the key that signs assertions for AWS, or with
// `--decryption` the key SAML connectors decrypt assertions with.
//   hatrack keys           the current (and next) certificate; generates a key when none exists
//   hatrack keys metadata  the IdP metadata to upload to IAM, listing every certificate on disk
//   hatrack keys rotate    creates the next key; upload the metadata to IAM (or, for the
//                          decryption key, give the IdPs the new SP metadata), then…
//   hatrack keys promote   …make the next key the current one
import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import { loadOrCreateSigningKeys, rotateSigningKeys, type SigningKeyPaths } from '../aws/keys.ts';
import type { Config } from '../config/schema.ts';
import { idpMetadataXml } from '../aws/metadata.ts';
import { idpEntityId, publicBaseUrl } from '../config/derived.ts';
import { configSource, loadConfigFrom } from './config-source.ts';
import type { Io } from './main.ts';

function describe(label: string, pem: string): string {
  const cert = new X509Certificate(pem);
  return `${label}: ${cert.subject.replace(/\n/g, ', ')}, valid until ${new Date(cert.validTo).toISOString()}, SHA-256 ${cert.fingerprint256}`;
}

/** The signing key files of the configuration, relative paths taken from the working directory. */
export function signingKeyPaths(config: Config): SigningKeyPaths & { nextKeyPath: string; nextCertPath: string } {
  const signing = config.signing;
  return {
    keyPath: resolve(signing.key),
    certPath: resolve(signing.cert),
    nextKeyPath: resolve(signing.nextKey),
    nextCertPath: resolve(signing.nextCert),
  };
}

/** The decryption key files of the configuration. */
function decryptionKeyPaths(config: Config): SigningKeyPaths & { nextKeyPath: string; nextCertPath: string } {
  const d = config.decryption;
  return { keyPath: resolve(d.key), certPath: resolve(d.cert), nextKeyPath: resolve(d.nextKey), nextCertPath: resolve(d.nextCert) };
}

export async function keysCommand(flag: string | undefined, action: string | undefined, io: Io, options: { decryption?: boolean } = {}): Promise<number> {
  const { config } = await loadConfigFrom(configSource(flag));
  if (options.decryption) return decryptionKeysCommand(config, action, io);
  const signing = config.signing;
  const paths = signingKeyPaths(config);

  if (action === undefined || action === 'show') {
    const keys = await loadOrCreateSigningKeys(paths);
    if (keys.created) io.out(`generated ${signing.key} and ${signing.cert}`);
    for (const w of keys.warnings) io.err(`warning: ${w}`);
    io.out(describe('current', keys.current.certPem));
    if (keys.next) io.out(describe('next', keys.next.certPem));
    return 0;
  }
  if (action === 'metadata') {
    // Read from disk now, so it lists a next key that running brokers have not loaded yet.
    const keys = await loadOrCreateSigningKeys(paths);
    const certificates = [keys.current.certPem, ...(keys.next ? [keys.next.certPem] : [])];
    io.out(idpMetadataXml({ entityId: idpEntityId(config), certificates, ssoUrl: `${publicBaseUrl(config)}/` }));
    return 0;
  }
  if (action === 'rotate' || action === 'promote') {
    const result = await rotateSigningKeys(paths, action === 'rotate' ? 'prepare' : 'promote');
    if (action === 'rotate') {
      io.out(result.changed ? `created the next key: ${signing.nextKey}, ${signing.nextCert}` : 'a next key is already waiting');
      io.out(describe('next', result.keys.next!.certPem));
      io.out('Next: upload metadata listing both certificates to every account:\n' +
        '  hatrack keys metadata > metadata.xml\n' +
        '  aws iam update-saml-provider --saml-provider-arn <arn> --saml-metadata-document file://metadata.xml\n' +
        'then run `hatrack keys promote` and restart every broker process.\n' +
        '(Running brokers keep serving the metadata they started with until they restart.)');
    } else {
      io.out(describe('current', result.keys.current.certPem));
      io.out('The next key now signs. Restart every broker process; keep the old certificate in IAM until they have.');
    }
    return 0;
  }
  io.err(`hatrack keys: unknown action "${action}" (show, metadata, rotate or promote)`);
  return 2;
}

/** `hatrack keys --decryption`: the same steps for the SP decryption key, published in SP metadata. */
async function decryptionKeysCommand(config: Config, action: string | undefined, io: Io): Promise<number> {
  const d = config.decryption;
  const paths = decryptionKeyPaths(config);
  const saml = config.connectors.filter((c) => c.type === 'saml' && c.assertionEncryption !== 'off').map((c) => `${publicBaseUrl(config)}/saml/${c.id}/metadata`);
  if (action === undefined || action === 'show') {
    const keys = await loadOrCreateSigningKeys({ ...paths, commonName: 'hatrack-sp-decryption' });
    if (keys.created) io.out(`generated ${d.key} and ${d.cert}`);
    for (const w of keys.warnings) io.err(`warning: ${w}`);
    io.out(describe('current', keys.current.certPem));
    if (keys.next) io.out(describe('next', keys.next.certPem));
    return 0;
  }
  if (action === 'rotate' || action === 'promote') {
    const result = await rotateSigningKeys(paths, action === 'rotate' ? 'prepare' : 'promote', { commonName: 'hatrack-sp-decryption' });
    const where = saml.length > 0 ? saml.join(', ') : '<publicUrl>/saml/<connector>/metadata';
    if (action === 'rotate') {
      io.out(result.changed ? `created the next decryption key: ${d.nextKey}, ${d.nextCert}` : 'a next decryption key is already waiting');
      io.out(describe('next', result.keys.next!.certPem));
      io.out(`Next: restart every broker process, so that the SP metadata (${where}) lists both certificates and either decrypts;\n`
        + 'give each IdP the new metadata or certificate; then run `hatrack keys promote --decryption` and restart again.');
    } else {
      io.out(describe('current', result.keys.current.certPem));
      io.out('The next key is now the current one. Restart every broker process; an IdP still encrypting to the old certificate fails until it has the new one.');
    }
    return 0;
  }
  io.err(`hatrack keys --decryption: unknown action "${action}" (show, rotate or promote; the certificates are published in each SAML connector's SP metadata)`);
  return 2;
}
