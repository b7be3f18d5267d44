// Signing key material on disk: first-start generation, reload, file modes, rotation in two steps,
// and recovery from every state an interrupted write can leave behind.
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKeys, rotateSigningKeys, siblingPath } from '../../../src/aws/keys.ts';
import { idpMetadataXml } from '../../../src/aws/metadata.ts';
import { createKeySigner } from '../../../src/aws/signer.ts';
import { isHatrackError, type HatrackError } from '../../../src/errors.ts';

let dir: string;
let paths: { keyPath: string; certPath: string; nextKeyPath: string; nextCertPath: string };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hatrack-keys-'));
  const certs = join(dir, 'nested', 'certs');
  paths = {
    keyPath: join(certs, 'hatrack.key'),
    certPath: join(certs, 'hatrack.crt'),
    nextKeyPath: join(certs, 'hatrack.next.key'),
    nextCertPath: join(certs, 'hatrack.next.crt'),
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

async function failure(p: Promise<unknown>): Promise<HatrackError> {
  try {
    await p;
  } catch (e) {
    if (isHatrackError(e)) return e;
    throw e;
  }
  throw new Error('expected a HatrackError');
}

function noKeyMaterialIn(e: HatrackError): void {
  expect(`${e.message} ${e.detail ?? ''}`).not.toMatch(/PRIVATE KEY|CERTIFICATE-----|MII[A-Za-z0-9+/]{20}/);
}

describe('loadOrCreateSigningKeys', () => {
  it('generates a 2048-bit RSA key and a ten-year self-signed certificate on first start, creating the directory', async () => {
    const keys = await loadOrCreateSigningKeys({ ...paths, commonName: 'hatrack.example.com' });
    expect(keys.created).toBe(true);
    const key = createPrivateKey(keys.current.keyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const cert = new X509Certificate(keys.current.certPem);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.subject).toContain('CN=hatrack.example.com');
    expect(cert.issuer).toBe(cert.subject);
    const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86400_000);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    expect(keys.next).toBeUndefined();
    expect(keys.warnings).toEqual([]);
  });

  it('writes key and certificate with mode 0600 and leaves no temporary files', async () => {
    await loadOrCreateSigningKeys(paths);
    expect(mode(paths.keyPath)).toBe(0o600);
    expect(mode(paths.certPath)).toBe(0o600);
    expect(readdirSync(join(dir, 'nested', 'certs')).sort()).toEqual(['hatrack.crt', 'hatrack.key']);
  });

  it('returns the same material when loaded again, without generating', async () => {
    const first = await loadOrCreateSigningKeys(paths);
    const second = await loadOrCreateSigningKeys(paths);
    expect(second.created).toBe(false);
    expect(second.current).toEqual(first.current);
    expect(readFileSync(paths.keyPath, 'utf8')).toBe(first.current.keyPem);
  });

  it('creates one key pair when two processes start at the same time', async () => {
    const [a, b] = await Promise.all([loadOrCreateSigningKeys(paths), loadOrCreateSigningKeys(paths)]);
    expect(a.current.keyPem).toBe(b.current.keyPem);
    expect(new X509Certificate(b.current.certPem).checkPrivateKey(createPrivateKey(b.current.keyPem))).toBe(true);
    const onDisk = await loadOrCreateSigningKeys(paths);
    expect(onDisk.current.keyPem).toBe(a.current.keyPem);
  });

  it('certifies an existing key whose certificate is missing (interrupted first start)', async () => {
    const { current } = await loadOrCreateSigningKeys(paths);
    rmSync(paths.certPath);
    const healed = await loadOrCreateSigningKeys(paths);
    expect(healed.current.keyPem).toBe(current.keyPem);
    expect(new X509Certificate(healed.current.certPem).checkPrivateKey(createPrivateKey(current.keyPem))).toBe(true);
  });

  it('refuses a certificate whose key is missing, rather than inventing a key', async () => {
    await loadOrCreateSigningKeys(paths);
    rmSync(paths.keyPath);
    const e = await failure(loadOrCreateSigningKeys(paths));
    expect(e.code).toBe('signing_key_missing');
    expect(existsSync(paths.keyPath)).toBe(false);
    noKeyMaterialIn(e);
  });

  it('refuses a key and certificate that do not belong together', async () => {
    await loadOrCreateSigningKeys(paths);
    const other = join(dir, 'other');
    const foreign = await loadOrCreateSigningKeys({ keyPath: join(other, 'k'), certPath: join(other, 'c') });
    writeFileSync(paths.certPath, foreign.current.certPem);
    const e = await failure(loadOrCreateSigningKeys(paths));
    expect(e.code).toBe('signing_key_mismatch');
    noKeyMaterialIn(e);
  });

  it('refuses an RSA key under 2048 bits', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await loadOrCreateSigningKeys(paths);
    writeFileSync(paths.keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const e = await failure(loadOrCreateSigningKeys(paths));
    expect(e.code).toBe('signing_key_too_small');
    noKeyMaterialIn(e);
  });

  it('refuses to generate fewer than 2048 bits', async () => {
    expect((await failure(loadOrCreateSigningKeys({ ...paths, keyBits: 1024 }))).code).toBe('signing_key_too_small');
  });

  it('warns, without key material, when the key file is readable by others', async () => {
    await loadOrCreateSigningKeys(paths);
    const { chmodSync } = await import('node:fs');
    chmodSync(paths.keyPath, 0o644);
    const keys = await loadOrCreateSigningKeys(paths);
    expect(keys.warnings).toHaveLength(1);
    expect(keys.warnings[0]).toContain(paths.keyPath);
    expect(keys.warnings[0]).not.toContain('PRIVATE');
  });
});

describe('rotateSigningKeys', () => {
  it('prepare writes a next key and certificate beside the current ones, mode 0600, and metadata publishes both', async () => {
    const before = await loadOrCreateSigningKeys(paths);
    const prepared = await rotateSigningKeys(paths, 'prepare');
    expect(prepared.changed).toBe(true);
    expect(mode(paths.nextKeyPath)).toBe(0o600);
    expect(mode(paths.nextCertPath)).toBe(0o600);

    const loaded = await loadOrCreateSigningKeys(paths);
    expect(loaded.current).toEqual(before.current);
    expect(loaded.next?.certPem).toBe(readFileSync(paths.nextCertPath, 'utf8'));
    expect(loaded.next?.certPem).not.toBe(before.current.certPem);
    expect(loaded.next).not.toHaveProperty('keyPem');

    const signer = createKeySigner(loaded);
    expect(signer.certificates).toEqual([before.current.certPem, loaded.next!.certPem]);
    const metadata = idpMetadataXml({ entityId: 'https://h.example/saml/metadata', certificates: signer.certificates });
    expect(metadata.match(/<md:KeyDescriptor use="signing">/g)).toHaveLength(2);
  });

  it('prepare a second time changes nothing', async () => {
    await loadOrCreateSigningKeys(paths);
    const first = await rotateSigningKeys(paths, 'prepare');
    const second = await rotateSigningKeys(paths, 'prepare');
    expect(second.changed).toBe(false);
    expect(second.keys.next?.certPem).toBe(first.keys.next?.certPem);
  });

  it('promote makes the next pair current, keeps the old certificate as previous and removes the next files', async () => {
    const before = await loadOrCreateSigningKeys(paths);
    await rotateSigningKeys(paths, 'prepare');
    const nextKey = readFileSync(paths.nextKeyPath, 'utf8');
    const nextCert = readFileSync(paths.nextCertPath, 'utf8');
    const promoted = await rotateSigningKeys(paths, 'promote');
    expect(promoted.keys.current).toEqual({ keyPem: nextKey, certPem: nextCert });
    expect(promoted.previousCertPem).toBe(before.current.certPem);
    expect(readFileSync(siblingPath(paths.certPath, 'previous'), 'utf8')).toBe(before.current.certPem);
    expect(existsSync(paths.nextKeyPath)).toBe(false);
    expect(existsSync(paths.nextCertPath)).toBe(false);
    expect(mode(paths.keyPath)).toBe(0o600);
    const loaded = await loadOrCreateSigningKeys(paths);
    expect(loaded.current).toEqual({ keyPem: nextKey, certPem: nextCert });
    expect(loaded.next).toBeUndefined();
  });

  it('promote without a prepared next key is refused', async () => {
    await loadOrCreateSigningKeys(paths);
    expect((await failure(rotateSigningKeys(paths, 'promote'))).code).toBe('signing_no_next_key');
  });

  it('finishes a promote interrupted between replacing the key and the certificate', async () => {
    await loadOrCreateSigningKeys(paths);
    await rotateSigningKeys(paths, 'prepare');
    const nextKey = readFileSync(paths.nextKeyPath, 'utf8');
    const nextCert = readFileSync(paths.nextCertPath, 'utf8');
    writeFileSync(paths.keyPath, nextKey); // the crash: new key, old certificate
    const loaded = await loadOrCreateSigningKeys(paths);
    expect(loaded.current).toEqual({ keyPem: nextKey, certPem: nextCert });
    expect(loaded.next).toBeUndefined();
    expect(readFileSync(paths.certPath, 'utf8')).toBe(nextCert);
    expect(existsSync(paths.nextKeyPath)).toBe(false);
  });

  it('cleans up after a promote interrupted before removing the next files', async () => {
    await loadOrCreateSigningKeys(paths);
    await rotateSigningKeys(paths, 'prepare');
    writeFileSync(paths.keyPath, readFileSync(paths.nextKeyPath));
    writeFileSync(paths.certPath, readFileSync(paths.nextCertPath));
    const loaded = await loadOrCreateSigningKeys(paths);
    expect(loaded.next).toBeUndefined();
    expect(existsSync(paths.nextKeyPath)).toBe(false);
    expect(existsSync(paths.nextCertPath)).toBe(false);
  });

  it('certifies a next key left without its certificate by an interrupted prepare', async () => {
    await loadOrCreateSigningKeys(paths);
    await rotateSigningKeys(paths, 'prepare');
    const nextKey = readFileSync(paths.nextKeyPath, 'utf8');
    rmSync(paths.nextCertPath);
    const loaded = await loadOrCreateSigningKeys(paths);
    expect(new X509Certificate(loaded.next!.certPem).checkPrivateKey(createPrivateKey(nextKey))).toBe(true);
  });

  it('refuses a next certificate without its key', async () => {
    await loadOrCreateSigningKeys(paths);
    await rotateSigningKeys(paths, 'prepare');
    rmSync(paths.nextKeyPath);
    const e = await failure(loadOrCreateSigningKeys(paths));
    expect(e.code).toBe('signing_next_incomplete');
    noKeyMaterialIn(e);
  });
});
