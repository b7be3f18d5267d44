// Every configuration under examples/ is checked as `check-config` checks it — with placeholder
// secrets, and a generated certificate where a file names one — so the examples stay valid as
// Hatrack changes; the compose example passes its config the secrets it names, and mounts it
// where HATRACK_CONFIG points.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate } from 'selfsigned';
import { loadConfigFile } from '../../../src/config/load.ts';

const EXAMPLES = 'examples';
const files = [
  ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')),
  ...readdirSync(join(EXAMPLES, 'docker-compose')).filter((f) => f.endsWith('.yaml')).map((f) => join('docker-compose', f)),
];
const SECRETS = { SESSION_SECRET: 'a-session-secret-of-at-least-32-bytes', OKTA_CLIENT_SECRET: 'o', ENTRA_CLIENT_SECRET: 'e' };

let cert: string;
beforeAll(async () => {
  cert = (await generate([{ name: 'commonName', value: 'example idp' }], { keyType: 'rsa', keySize: 2048 })).cert;
});

/** The example in a folder of its own, with a certificate at every path its idpCerts name. */
function placed(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hatrack-example-'));
  const target = join(dir, 'hatrack.yaml');
  copyFileSync(join(EXAMPLES, file), target);
  const doc = parse(readFileSync(target, 'utf8')) as { connectors: Array<{ idpCerts?: string[] }> };
  for (const path of doc.connectors.flatMap((c) => c.idpCerts ?? [])) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), cert);
  }
  return target;
}

describe('examples/', () => {
  it('has the examples the README lists, and lists every one', () => {
    const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
    for (const f of files.filter((f) => !f.startsWith('docker-compose'))) expect(readme).toContain(`\`${f}\``);
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of files) {
    it(`${file} passes check-config without problems or warnings`, () => {
      const loaded = loadConfigFile(placed(file), SECRETS);
      expect(loaded.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([]);
    });
  }

  it('docker-compose/: the config is mounted where HATRACK_CONFIG points, with the secrets it names, and Redis is the compose service', () => {
    const compose = parse(readFileSync(join(EXAMPLES, 'docker-compose', 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>;
    };
    const hatrack = compose.services.hatrack!;
    const config = readFileSync(join(EXAMPLES, 'docker-compose', 'hatrack.yaml'), 'utf8');
    expect(hatrack.volumes).toContain(`./hatrack.yaml:${hatrack.environment!.HATRACK_CONFIG}:ro`);
    for (const [, name] of config.matchAll(/env:([A-Z_]+)/g)) expect(Object.keys(hatrack.environment!)).toContain(name);
    expect(Object.keys(compose.services)).toContain('redis');
    expect(config).toContain('redis://redis:6379');
  });
});
