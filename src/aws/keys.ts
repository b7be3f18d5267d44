// Hatrack's SAML key material on disk — the key that signs for AWS, and the key SAML connectors
// decrypt assertions with: created on first start, loaded on every start, rotated by `hatrack keys`
// in two steps (publish the next certificate, then switch to it).
//
// Files are written to a temporary file in the same directory, flushed, then linked or renamed into
// place, so a reader sees a whole file or none. A pair of files cannot change in one atomic step, so
// the order of writes is chosen such that every state a crash can leave behind is either consistent
// or repaired on the next load (see `reconcile*` below). Key material is never logged or put in an
// error; errors name paths only.
//
// Key size: RSA 2048. AWS.md §1 asks for >= 2048 bits; 2048 is the size AWS's own IdP (IAM Identity
// Center) issues and is known to be accepted by IAM SAML providers, whereas larger sizes are not
// documented as accepted and AWS cannot be reached from here to prove it. Rotation (`hatrack keys`)
// keeps the ten-year certificate lifetime from being a ten-year commitment to one key. Callers can
// ask for more bits with `keyBits`.
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { HatrackError } from '../errors.ts';

export interface SigningKeyPaths {
  keyPath: string;
  certPath: string;
  /** Where `rotateSigningKeys(…, 'prepare')` puts the next key; read on load when given. */
  nextKeyPath?: string;
  nextCertPath?: string;
  /** Where `promote` keeps the retired certificate; default `<cert>.previous<.ext>`. */
  previousCertPath?: string;
}

export interface KeyGenerationOptions {
  /** Subject CN of generated certificates; default `hatrack`. */
  commonName?: string;
  /** RSA modulus length for generated keys; default 2048, never less. */
  keyBits?: number;
  /** Validity of generated certificates; default 10 years. */
  validityYears?: number;
  /** Start of validity for generated certificates (tests freeze it); default now. */
  now?: Date;
}

/** What the signer and the metadata need. */
export interface SigningKeys {
  current: { keyPem: string; certPem: string };
  /** During rotation: the certificate that will sign next, published in metadata beside the current one. */
  next?: { certPem: string };
}

export interface LoadedSigningKeys extends SigningKeys {
  /** True when this call generated the current key. */
  created: boolean;
  /** Problems worth a log line (never key material), e.g. a key file readable by others. */
  warnings: string[];
}

export type RotationStep = 'prepare' | 'promote';

export interface RotationResult {
  step: RotationStep;
  /** False when there was nothing to do (`prepare` with a next key already waiting). */
  changed: boolean;
  keys: SigningKeys;
  /** After `promote`: the certificate that signed until now. */
  previousCertPem?: string;
}

const MIN_BITS = 2048;

function keyError(code: string, message: string, detail?: string): HatrackError {
  return new HatrackError(code, 500, message, detail);
}

/** `certs/hatrack.crt` → `certs/hatrack.previous.crt`. */
export function siblingPath(path: string, tag: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.${tag}${ext}`);
}

// ---- files -----------------------------------------------------------------------------------

async function readMaybe(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyError('signing_key_unreadable', 'Hatrack cannot read its signing key files.', `${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  } catch { /* not every platform can fsync a directory; the rename itself is still atomic */ }
}

/** Writes `content` to a fresh 0600 temporary file beside `path` and returns its name. */
async function writeTemp(path: string, content: string): Promise<string> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.chmod(0o600); // the umask may have narrowed, never widened, but be explicit
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Creates `path` with `content` unless it exists; true when this call created it. */
async function writeNew(path: string, content: string): Promise<boolean> {
  const tmp = await writeTemp(path, content);
  try {
    await link(tmp, path); // atomic, and fails with EEXIST instead of replacing
    await syncDir(dirname(path));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw keyError('signing_key_unwritable', 'Hatrack cannot write its signing key files.', `${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Replaces `path` with `content` in one rename. */
async function writeReplace(path: string, content: string): Promise<void> {
  const tmp = await writeTemp(path, content);
  try {
    await rename(tmp, path);
    await syncDir(dirname(path));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw keyError('signing_key_unwritable', 'Hatrack cannot write its signing key files.', `${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function removeMaybe(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

// ---- material --------------------------------------------------------------------------------

function checkKey(keyPem: string, path: string): void {
  let bits: number | undefined;
  let type: string | undefined;
  try {
    const key = createPrivateKey(keyPem);
    type = key.asymmetricKeyType;
    bits = key.asymmetricKeyDetails?.modulusLength;
  } catch {
    throw keyError('signing_key_invalid', 'Hatrack\'s signing key file does not hold a readable private key.', path);
  }
  if (type !== 'rsa') throw keyError('signing_key_invalid', 'Hatrack\'s signing key must be an RSA key (AWS verifies RSA-SHA256).', `${path}: ${type}`);
  if (bits === undefined || bits < MIN_BITS) {
    throw keyError('signing_key_too_small', `Hatrack's signing key must have at least ${MIN_BITS} bits.`, `${path}: ${bits} bits`);
  }
}

function parseCert(certPem: string, path: string): X509Certificate {
  try {
    return new X509Certificate(certPem);
  } catch {
    throw keyError('signing_cert_invalid', 'Hatrack\'s signing certificate file does not hold a readable X.509 certificate.', path);
  }
}

function matches(keyPem: string, certPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function samePem(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '');
}

async function certificateFor(keyPem: string | undefined, options: KeyGenerationOptions): Promise<{ keyPem: string; certPem: string }> {
  const bits = options.keyBits ?? MIN_BITS;
  if (!Number.isInteger(bits) || bits < MIN_BITS) {
    throw keyError('signing_key_too_small', `Hatrack's signing key must have at least ${MIN_BITS} bits.`, `keyBits ${bits}`);
  }
  const now = options.now ?? new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (options.validityYears ?? 10));
  const keyPair = keyPem === undefined
    ? undefined
    : { privateKey: keyPem, publicKey: createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString() };
  const pems = await generate([{ name: 'commonName', value: options.commonName ?? 'hatrack' }], {
    keyType: 'rsa',
    keySize: bits,
    algorithm: 'sha256',
    // A few minutes early, so a verifier whose clock lags still sees a valid certificate.
    notBeforeDate: new Date(now.getTime() - 5 * 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
    ],
    ...(keyPair ? { keyPair } : {}),
  });
  return { keyPem: keyPem ?? pems.private, certPem: pems.cert };
}

/** Generates a fresh RSA key and its self-signed certificate (nothing is written). */
export function generateSigningKeyPair(options: KeyGenerationOptions = {}): Promise<{ keyPem: string; certPem: string }> {
  return certificateFor(undefined, options);
}

// ---- load, create, reconcile -----------------------------------------------------------------

/** Makes sure `keyPath`/`certPath` hold a matching pair, creating whatever is missing. */
async function ensurePair(keyPath: string, certPath: string, options: KeyGenerationOptions): Promise<{ keyPem: string; certPem: string; created: boolean }> {
  let keyPem = await readMaybe(keyPath);
  let certPem = await readMaybe(certPath);
  let created = false;
  if (keyPem === undefined && certPem !== undefined) {
    // Never invent a key to go with a published certificate: AWS trusts that certificate.
    throw keyError('signing_key_missing', 'Hatrack has a signing certificate but its private key is missing; restore the key or remove both files.', `${keyPath} (certificate ${certPath})`);
  }
  if (keyPem === undefined) {
    const pair = await generateSigningKeyPair(options);
    // Key first: a crash before the certificate leaves a key alone, which the next step repairs.
    if (await writeNew(keyPath, pair.keyPem)) {
      created = true;
      keyPem = pair.keyPem;
      if (await writeNew(certPath, pair.certPem)) certPem = pair.certPem;
    }
    // Another process won the race to create the key: use its files.
    keyPem ??= await readMaybe(keyPath);
    certPem ??= await readMaybe(certPath);
  }
  if (keyPem === undefined) throw keyError('signing_key_missing', 'Hatrack\'s signing key disappeared while starting.', keyPath);
  checkKey(keyPem, keyPath);
  if (certPem === undefined) {
    // A key without a certificate: an interrupted first start. Certify the existing key.
    const pair = await certificateFor(keyPem, options);
    certPem = (await writeNew(certPath, pair.certPem)) ? pair.certPem : await readMaybe(certPath);
    if (certPem === undefined) throw keyError('signing_key_missing', 'Hatrack\'s signing certificate disappeared while starting.', certPath);
  }
  parseCert(certPem, certPath);
  return { keyPem, certPem, created };
}

/**
 * The next key during rotation, repairing what an interrupted `prepare` or `promote` left behind:
 * - a next pair equal to the current one: `promote` finished but did not clean up → remove it;
 * - a next key without its certificate: `prepare` was interrupted → certify the key;
 * - a next certificate without its key that is not the current one → refuse (cannot be repaired).
 */
async function reconcileNext(current: { keyPem: string; certPem: string }, paths: SigningKeyPaths, options: KeyGenerationOptions): Promise<{ keyPem: string; certPem: string } | undefined> {
  if (!paths.nextKeyPath || !paths.nextCertPath) return undefined;
  const keyPem = await readMaybe(paths.nextKeyPath);
  let certPem = await readMaybe(paths.nextCertPath);
  if (keyPem === undefined && certPem === undefined) return undefined;
  const keySame = keyPem === undefined || samePem(keyPem, current.keyPem);
  const certSame = certPem === undefined || samePem(certPem, current.certPem);
  if (keySame && certSame) {
    await removeMaybe(paths.nextKeyPath);
    await removeMaybe(paths.nextCertPath);
    return undefined;
  }
  if (keyPem === undefined) {
    throw keyError('signing_next_incomplete', 'The next signing certificate has no private key beside it; run the rotation\'s first step again after removing it.', paths.nextCertPath);
  }
  checkKey(keyPem, paths.nextKeyPath);
  if (certPem === undefined) {
    const pair = await certificateFor(keyPem, options);
    certPem = (await writeNew(paths.nextCertPath, pair.certPem)) ? pair.certPem : await readMaybe(paths.nextCertPath);
    if (certPem === undefined) throw keyError('signing_next_incomplete', 'The next signing certificate disappeared.', paths.nextCertPath);
  }
  parseCert(certPem, paths.nextCertPath);
  if (!matches(keyPem, certPem)) {
    throw keyError('signing_key_mismatch', 'The next signing key and certificate do not belong together.', `${paths.nextKeyPath} / ${paths.nextCertPath}`);
  }
  return { keyPem, certPem };
}

async function permissionWarnings(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      const mode = (await stat(p)).mode & 0o777;
      if (mode & 0o077) out.push(`${p} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
    } catch { /* absent: nothing to say */ }
  }
  return out;
}

async function loadAll(paths: SigningKeyPaths, options: KeyGenerationOptions): Promise<{ current: { keyPem: string; certPem: string }; next?: { keyPem: string; certPem: string }; created: boolean }> {
  const pair = await ensurePair(paths.keyPath, paths.certPath, options);
  let current = { keyPem: pair.keyPem, certPem: pair.certPem };
  if (!matches(current.keyPem, current.certPem)) {
    // `promote` replaces the key, then the certificate. A crash between the two leaves the new key
    // with the old certificate, and the new certificate still waiting as "next": finish the job.
    const nextCert = paths.nextCertPath ? await readMaybe(paths.nextCertPath) : undefined;
    if (nextCert === undefined || !matches(current.keyPem, nextCert)) {
      throw keyError('signing_key_mismatch', 'Hatrack\'s signing key and certificate do not belong together.', `${paths.keyPath} / ${paths.certPath}`);
    }
    await writeReplace(paths.certPath, nextCert);
    current = { keyPem: current.keyPem, certPem: nextCert };
  }
  const next = await reconcileNext(current, paths, options);
  return { current, ...(next ? { next } : {}), created: pair.created };
}

function publicView(all: { current: { keyPem: string; certPem: string }; next?: { certPem: string } }): SigningKeys {
  return { current: { ...all.current }, ...(all.next ? { next: { certPem: all.next.certPem } } : {}) };
}

/**
 * Loads a key and its certificate, generating both (RSA, self-signed, ~10 years, files mode 0600,
 * parent directory created 0700) when neither exists, and the next pair waiting from a rotation,
 * private key included: a decryption key is needed for whatever an IdP encrypted to the next
 * certificate as soon as the SP metadata publishes it, before the switch.
 */
export async function loadOrCreateKeyPairs(options: SigningKeyPaths & KeyGenerationOptions): Promise<{
  current: { keyPem: string; certPem: string };
  next?: { keyPem: string; certPem: string };
  created: boolean;
  warnings: string[];
}> {
  const all = await loadAll(options, options);
  const warnings = await permissionWarnings([options.keyPath, ...(options.nextKeyPath ? [options.nextKeyPath] : [])]);
  return { ...all, warnings };
}

/**
 * The signing key, loaded or created the same way; of a next pair only its certificate, so that
 * metadata can publish it before the switch (the next key signs nothing until promoted).
 */
export async function loadOrCreateSigningKeys(options: SigningKeyPaths & KeyGenerationOptions): Promise<LoadedSigningKeys> {
  const { created, warnings, ...pairs } = await loadOrCreateKeyPairs(options);
  return { ...publicView(pairs), created, warnings };
}

/** The file names of a key, its certificate and the next pair, as configuration gives them. */
export interface KeyFiles {
  key: string;
  cert: string;
  nextKey: string;
  nextCert: string;
}

/** The paths of `files`, relative names taken from `baseDir`. */
export function keyFilePaths(files: KeyFiles, baseDir = process.cwd()): SigningKeyPaths & { nextKeyPath: string; nextCertPath: string } {
  return {
    keyPath: resolve(baseDir, files.key),
    certPath: resolve(baseDir, files.cert),
    nextKeyPath: resolve(baseDir, files.nextKey),
    nextCertPath: resolve(baseDir, files.nextCert),
  };
}

/**
 * Key rotation for `hatrack keys`, in two steps with time between them:
 * 1. `prepare`: generate the next key and certificate beside the current ones. Metadata now lists
 *    both; the administrator uploads it to every account (`aws iam update-saml-provider`).
 * 2. `promote`: the next pair becomes the current one and signs from now on; the retired
 *    certificate is kept at `previousCertPath` for the record, its key is discarded.
 */
export async function rotateSigningKeys(
  paths: SigningKeyPaths & { nextKeyPath: string; nextCertPath: string },
  step: RotationStep,
  options: KeyGenerationOptions = {},
): Promise<RotationResult> {
  const all = await loadAll(paths, options);
  if (step === 'prepare') {
    if (all.next) return { step, changed: false, keys: publicView(all) };
    const pair = await generateSigningKeyPair(options);
    // Key first: an interrupted prepare leaves a key alone, which the next load certifies.
    if (!(await writeNew(paths.nextKeyPath, pair.keyPem))) {
      throw keyError('signing_next_incomplete', 'Another rotation wrote a next key at the same time; run the command again.', paths.nextKeyPath);
    }
    if (!(await writeNew(paths.nextCertPath, pair.certPem))) {
      throw keyError('signing_next_incomplete', 'Another rotation wrote a next certificate at the same time; run the command again.', paths.nextCertPath);
    }
    return { step, changed: true, keys: publicView({ current: all.current, next: pair }) };
  }

  if (!all.next) {
    throw keyError('signing_no_next_key', 'There is no next signing key to switch to; run the first rotation step and publish the metadata first.');
  }
  const previousCertPem = all.current.certPem;
  await writeReplace(paths.previousCertPath ?? siblingPath(paths.certPath, 'previous'), previousCertPem);
  await writeReplace(paths.keyPath, all.next.keyPem);
  await writeReplace(paths.certPath, all.next.certPem);
  await removeMaybe(paths.nextKeyPath);
  await removeMaybe(paths.nextCertPath);
  return { step, changed: true, keys: { current: { ...all.next } }, previousCertPem };
}
