// IdP certificates in config are PEM text or paths to PEM files (relative to the configuration
// file's folder, LoadedConfig.baseDir). Read once at start-up, and checked when the configuration is validated.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCertificate } from '../connectors/saml/options.ts';

/** The PEM text of a configured certificate; throws a readable Error when it cannot be had or used. */
export function readIdpCert(value: string, baseDir = process.cwd()): string {
  const inline = value.includes('-----BEGIN CERTIFICATE-----');
  const pem = inline ? value : readPem(resolve(baseDir, value));
  const cert = readCertificate(pem);
  if ('problem' in cert) throw new Error(inline ? cert.problem : `${value} ${cert.problem}`);
  return pem;
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
