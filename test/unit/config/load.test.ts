import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, validateConfig } from '../../../src/config/load.ts';
import { demoConfig } from '../../../src/dev/demo-config.ts';
import { generate } from 'selfsigned';

const minimal = {
  publicUrl: 'https://hatrack.example.com',
  trustProxy: 1,
  connectors: [{ id: 'okta', type: 'oidc', issuer: 'https://corp.okta.com', clientId: 'abc', clientSecret: 'env:OKTA_SECRET' }],
  accounts: { prod: '111111111111' },
  roles: [{ group: 'aws-admins', role: 'arn:aws:iam::{prod}:role/Admin', sessionDuration: '8h' }],
};

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateConfig(raw, 'test.yaml', env);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('configuration', () => {
  it('accepts a minimal file and fills in the defaults', () => {
    const { config, rules } = validateConfig(minimal, 'test.yaml', { OKTA_SECRET: 's3cret' });
    expect(config.aws).toMatchObject({ partition: 'aws', region: 'us-east-1', samlProviderName: 'hatrack' });
    expect(config.connectors[0]).toMatchObject({ clientSecret: 's3cret', groupsClaim: 'groups', idTokenAlg: 'RS256' });
    expect(rules.rules).toHaveLength(1);
    expect(rules.rules[0]).toMatchObject({
      index: 0,
      effect: 'allow',
      match: { kind: 'group', group: 'aws-admins' },
      sessionDuration: 28800,
      requireMfa: false,
      sessionTags: [],
      roles: [{
        kind: 'fixed',
        role: {
          roleArn: 'arn:aws:iam::111111111111:role/Admin',
          providerArn: 'arn:aws:iam::111111111111:saml-provider/hatrack',
          accountId: '111111111111',
          accountAlias: 'prod',
          roleName: 'Admin',
        },
      }],
    });
    expect(rules.sourceIdentity).toEqual({ kind: 'email' });
    expect(rules.connectors.get('okta')).toEqual({ groupsCaseInsensitive: false });
  });

  it('reports every problem at once, each with its path', () => {
    const problems = problemsOf({
      publicUrl: 'not a url',
      connectors: [
        { id: 'Bad Id', type: 'oidc', issuer: 'https://x.example', clientId: 'c' },
        { id: 'x', type: 'kerberos' },
      ],
      accounts: { prod: '123' },
      roles: [{ group: 'g', role: 'arn:aws:iam::1:role/X', sessionDuration: '20h' }],
      aws: { partition: 'mars' },
    });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^publicUrl: /),
      expect.stringMatching(/^connectors\[0\]\.id: /),
      expect.stringMatching(/^connectors\[1\]\.type: /),
      expect.stringMatching(/^accounts\.prod: must be a 12-digit account id/),
      expect.stringMatching(/^roles\[0\]\.sessionDuration: must be at most 43200/),
      expect.stringMatching(/^aws\.partition: /),
    ]));
  });

  it('names an environment variable that is not set', () => {
    expect(problemsOf(minimal, {})).toEqual(['connectors[0].clientSecret: environment variable OKTA_SECRET is not set']);
  });

  it('rejects unknown account aliases and role ARNs that are not ARNs', () => {
    const problems = problemsOf({
      ...minimal,
      roles: [
        { group: 'a', role: 'arn:aws:iam::{staging}:role/Admin' },
        { group: 'b', role: ['arn:aws:iam::111111111111:role/Ok', 'arn:aws:iam::111111111111:user/Bob'] },
      ],
    }, { OKTA_SECRET: 'x' });
    expect(problems).toEqual([
      'roles[0].role: unknown account alias "{staging}" (define it under accounts)',
      'roles[1].role[1]: "arn:aws:iam::111111111111:user/Bob" is not a valid IAM role ARN',
    ]);
  });

  it('rejects a role outside the configured partition', () => {
    expect(problemsOf({ ...minimal, roles: [{ group: 'a', role: 'arn:aws-cn:iam::111111111111:role/A' }] }, { OKTA_SECRET: 'x' }))
      .toEqual(['roles[0].role: role is in partition "aws-cn" but aws.partition is "aws"']);
  });

  it('rejects duplicate connector ids, an http issuer without the dev switch, and Redis without a session secret', () => {
    const problems = problemsOf({
      ...minimal,
      store: { redis: 'redis://127.0.0.1:6379' },
      connectors: [
        { id: 'a', type: 'oidc', issuer: 'http://idp.example', clientId: 'c' },
        { id: 'a', type: 'oidc', issuer: 'https://idp.example', clientId: 'c' },
      ],
    });
    expect(problems).toEqual([
      'connectors[0].issuer: an http:// issuer needs allowInsecureHttp: true (development only)',
      'connectors[1].id: duplicate connector id "a"',
      'session.secret: is required with store.redis, so that every process accepts the same session cookies',
    ]);
  });

  it('rejects a trust proxy setting that would believe any client, and accepts hop counts and addresses', () => {
    const withProxy = (trustProxy: unknown) => problemsOf({ ...minimal, trustProxy }, { OKTA_SECRET: 'x' });
    expect(withProxy(true)).toEqual([expect.stringMatching(/^trustProxy: must be false, a hop count/)]);
    expect(withProxy('yes')).toEqual([expect.stringMatching(/^trustProxy: /)]);
    expect(withProxy(1)).toEqual([]);
    expect(withProxy('2')).toEqual([]);
    expect(withProxy(['10.0.0.0/8', 'loopback'])).toEqual([]);
    expect(withProxy(false)).toEqual(['trustProxy: is needed with an https:// publicUrl: set it to the proxies\' hop count or addresses']);
  });

  it('rejects a region outside the partition', () => {
    expect(problemsOf({ ...minimal, roles: [], aws: { partition: 'aws-cn' } }, { OKTA_SECRET: 'x' }))
      .toEqual(['aws.region: us-east-1 is not in the aws-cn partition']);
  });

  it('reports a section\'s problem and the rules\' problems in one pass, not two rounds', () => {
    expect(problemsOf({ ...minimal, session: { ttl: 'soon' }, roles: [{ group: 'a', role: 'arn:aws:iam::{staging}:role/Admin' }] }, { OKTA_SECRET: 'x' })).toEqual([
      'session.ttl: "soon" is not a duration (use seconds or e.g. 15m, 8h)',
      expect.stringMatching(/^roles\[0\]\.role: .*staging/),
    ]);
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    expect(problemsOf({ ...minimal, rolez: [] }, { OKTA_SECRET: 'x' })).toEqual(['rolez: is not a setting here (did you mean "roles"?)']);
  });

  it('reports YAML syntax errors with their line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-config-'));
    const file = join(dir, 'hatrack.yaml');
    writeFileSync(file, 'publicUrl: https://x\nroles:\n  - group: a\n   role: b\n');
    expect(() => loadConfigFile(file)).toThrow(/line \d/);
  });

  it('reports a file that cannot be read', () => {
    expect(() => loadConfigFile('/nonexistent/hatrack.yaml')).toThrow(/cannot be read: ENOENT/);
  });

  it('accepts the built-in demo configuration', () => {
    const { rules, warnings } = validateConfig(demoConfig({ broker: 3000, oidc: 3001, aws: 3002 }, { clientSecret: 'c', sessionSecret: 'session-secret-of-at-least-32-bytes' }), 'demo', {});
    expect(rules.rules.flatMap((r) => (r.effect === 'allow' ? r.roles.flatMap((x) => (x.kind === 'fixed' ? [x.role.roleArn] : [])) : [])))
      .toContain('arn:aws:iam::222222222222:role/PowerUser');
    expect(warnings).toEqual([]);
  });
});

describe('a SAML connector\'s signature requirement', () => {
  const pem = `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`;
  const saml = (extra: Record<string, unknown>) => ({
    ...minimal,
    connectors: [{ id: 'google', type: 'saml', idpEntityId: 'https://accounts.google.com/o/saml2?idpid=C0x', idpSsoUrl: 'https://accounts.google.com/o/saml2/idp?idpid=C0x', idpCerts: [pem], ...extra }],
    roles: [],
  });
  const about = (problems: string[]) => problems.filter((p) => !p.includes('idpCerts'));

  it('refuses an IdP certificate with a key under 2048 bits at load, saying what to do (check-config says what serve would)', async () => {
    const small = await generate([{ name: 'commonName', value: 'small' }], { keyType: 'rsa', keySize: 1024 });
    expect(problemsOf(saml({ idpCerts: [small.cert] }))).toEqual([
      expect.stringMatching(/^connectors\[0\]\.idpCerts\[0\]: has an RSA key under 2048 bits, which Hatrack refuses: issue a new signing certificate at the IdP/),
    ]);
  });

  it('is one setting, either by default; check-config says what each value means and what replaced the two booleans', () => {
    expect(about(problemsOf(saml({ requireSignatureOn: 'assertions' })))).toEqual([
      'connectors[0].requireSignatureOn: must be either (the Assertion or the Response signed, or both), assertion, response or both',
    ]);
    expect(about(problemsOf(saml({ wantResponseSigned: true, wantAssertionsSigned: false })))).toEqual([
      'connectors[0].wantResponseSigned: was replaced by requireSignatureOn: response (the Response must be signed) or both',
      'connectors[0].wantAssertionsSigned: was replaced by requireSignatureOn: assertion (the Assertion must be signed) or both',
    ]);
  });
});

describe('problems in a file', () => {
  function fileProblems(yaml: string): ConfigError {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-config-'));
    const file = join(dir, 'hatrack.yaml');
    writeFileSync(file, yaml);
    try {
      loadConfigFile(file, { OKTA_SECRET: 'x' });
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('the file loaded');
  }
  const good = [
    'publicUrl: https://hatrack.example.com', 'trustProxy: 1', 'connectors:', '  - id: okta', '    type: oidc',
    '    issuer: https://corp.okta.com', '    clientId: abc', '    clientSecret: env:OKTA_SECRET', 'accounts:', '  prod: "111111111111"',
    'roles:', '  - group: aws-admins', '    role: arn:aws:iam::{prod}:role/Admin',
  ];

  it('each with its line, column and the line itself; a misspelt key with the setting it may mean', () => {
    const e = fileProblems(good.map((l) => l.replace('clientId:', 'clientID:')).join('\n'));
    expect(e.problems).toEqual([
      { path: 'connectors[0].clientId', message: 'is required', line: 4, column: 5, snippet: '  - id: okta' },
      { path: 'connectors[0].clientID', message: 'is not a setting here (did you mean "clientId"?)', line: 7, column: 5, snippet: '    clientID: abc' },
    ]);
    expect(e.message).toContain('connectors[0].clientID: is not a setting here (did you mean "clientId"?) (line 7, column 5)\n    7 |     clientID: abc\n            ^');
  });

  it('an unquoted account id read as a number is said in plain words', () => {
    const e = fileProblems(good.map((l) => l.replace('"111111111111"', '012345678901')).join('\n'));
    expect(e.problems).toEqual([expect.objectContaining({ path: 'accounts.prod', line: 10 })]);
    expect(e.problems[0]!.message).toMatch(/is read as a number \(12345678901\), which loses leading zeros: write account ids in quotes, e\.g\. "012345678901"/);
  });

  it('a value problem points at its setting; a missing one at the object that lacks it', () => {
    const e = fileProblems(good.filter((l) => !l.includes('clientId')).map((l) => l.replace('aws-admins', 'x'.repeat(1100))).join('\n'));
    const byPath = Object.fromEntries(e.problems.map((p) => [p.path, p.line]));
    expect(byPath).toEqual({ 'connectors[0].clientId': 4, 'roles[0].group': 11 });
  });

  it('a session secret shorter than 32 bytes is refused', () => {
    const e = fileProblems([...good, 'session:', '  secret: short'].join('\n'));
    expect(e.problems).toEqual([expect.objectContaining({ path: 'session.secret', message: 'must be at least 32 bytes (e.g. `openssl rand -base64 32`)', line: 15 })]);
  });

  it('relative certificate paths are read from the file\'s folder, wherever Hatrack runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatrack-config-'));
    const { cert } = await generate([{ name: 'commonName', value: 'idp' }], { keyType: 'rsa', keySize: 2048 });
    writeFileSync(join(dir, 'idp.pem'), cert);
    const file = join(dir, 'hatrack.yaml');
    writeFileSync(file, [...good.slice(0, 8), '  - id: google', '    type: saml', '    idpEntityId: https://idp.example', '    idpSsoUrl: https://idp.example/sso',
      '    idpCerts: [idp.pem]', ...good.slice(8)].join('\n'));
    const loaded = loadConfigFile(file, { OKTA_SECRET: 'x' });
    expect(loaded.baseDir).toBe(dir);
  });
});
