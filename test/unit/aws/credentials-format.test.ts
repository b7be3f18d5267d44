// Temporary credentials rendered for tools (AWS.md §4): env exports, credentials file, credential_process.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { credentialProcessJson, credentialsFileBlock, credentialsViews, envExports, profileName, shellQuote } from '../../../src/aws/credentials-format.ts';
import { isHatrackError } from '../../../src/errors.ts';

const creds = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+/token==',
  expiration: new Date('2025-03-04T06:06:07.000Z'),
};

describe('envExports', () => {
  it('exports the three keys, the expiration and the region, single-quoted', () => {
    expect(envExports(creds, { region: 'eu-west-1' })).toBe([
      "export AWS_ACCESS_KEY_ID='ASIAEXAMPLEEXAMPLE12'",
      "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
      "export AWS_SESSION_TOKEN='IQoJb3JpZ2luX2VjEXAMPLE+/token=='",
      "export AWS_CREDENTIAL_EXPIRATION='2025-03-04T06:06:07.000Z'",
      "export AWS_REGION='eu-west-1'",
      '',
    ].join('\n'));
  });

  it('leaves AWS_REGION out when the region is not known', () => {
    expect(envExports(creds)).not.toContain('AWS_REGION');
  });

  it('evaluates in a real shell to exactly the credential values', () => {
    const out = execFileSync('/bin/sh', ['-c', `${envExports(creds, { region: 'us-east-1' })}printf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION"`], { encoding: 'utf8', env: {} });
    expect(out.split('\n').slice(0, 5)).toEqual([creds.accessKeyId, creds.secretAccessKey, creds.sessionToken, '2025-03-04T06:06:07.000Z', 'us-east-1']);
  });

  it('refuses credentials with characters STS never sends (spaces, quotes, newlines)', () => {
    for (const bad of ["x'; rm -rf ~; '", 'a b', 'a\nb', '']) {
      let code = '';
      try { envExports({ ...creds, sessionToken: bad }); } catch (e) { code = isHatrackError(e) ? e.code : 'other'; }
      expect(code).toBe('credentials_malformed');
    }
  });

  it('refuses a region that is not a region name', () => {
    expect(() => envExports(creds, { region: 'us-east-1; rm -rf /' })).toThrow();
  });
});

describe('shellQuote', () => {
  it('quotes any string so that sh reads it back unchanged', () => {
    for (const value of ["it's", '$(id)', '`id`', 'a\nb', '"', '\\', '']) {
      const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(out).toBe(value);
    }
  });
});

describe('credentialsFileBlock', () => {
  it('renders a profile with the three keys and the expiry as a comment', () => {
    expect(credentialsFileBlock(creds, 'Admin')).toBe([
      '[Admin]',
      '# expires 2025-03-04T06:06:07.000Z',
      'aws_access_key_id = ASIAEXAMPLEEXAMPLE12',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_session_token = IQoJb3JpZ2luX2VjEXAMPLE+/token==',
      '',
    ].join('\n'));
  });

  it('cleans a profile name that could break the INI section header', () => {
    expect(profileName('a]\n[default')).toBe('a---default');
    expect(profileName('')).toBe('default');
    expect(credentialsFileBlock(creds, 'x]\naws_access_key_id = evil').split('\n')[0]).toBe('[x--aws_access_key_id-=-evil]');
  });
});

describe('credentialProcessJson', () => {
  it('is the credential_process shape: Version 1 and an ISO 8601 Expiration', () => {
    expect(JSON.parse(credentialProcessJson(creds))).toEqual({
      Version: 1,
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: '2025-03-04T06:06:07.000Z',
    });
  });

  it('is a single line', () => {
    expect(credentialProcessJson(creds)).not.toContain('\n');
  });

  it('refuses an invalid expiration', () => {
    expect(() => credentialProcessJson({ ...creds, expiration: new Date('nope') })).toThrow();
  });
});

describe('credentialsViews', () => {
  it('gives all three renderings', () => {
    const views = credentialsViews(creds, { profile: 'Admin', region: 'eu-west-1' });
    expect(views.envExports).toBe(envExports(creds, { region: 'eu-west-1' }));
    expect(views.credentialsFile).toBe(credentialsFileBlock(creds, 'Admin'));
    expect(views.credentialProcessJson).toBe(credentialProcessJson(creds));
  });
});
