// IdP certificates in config are PEM text or paths to PEM files (relative to the working
// directory). Read once at start-up, and checked when the configuration is validated.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The PEM text of a configured certificate; throws a readable Error when it cannot be had. */
export function readIdpCert(value: string, baseDir = process.cwd()): string {
  const pem = value.includes('-----BEGIN CERTIFICATE-----') ? value : readPem(resolve(baseDir, value));
  try {
    new X509Certificate(pem);
  } catch {
    throw new Error(value.includes('-----BEGIN') ? 'is not a readable X.509 certificate' : `${value} is not a readable X.509 certificate`);
  }
  return pem;
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
