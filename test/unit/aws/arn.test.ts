// Strict ARN patterns (W8): what is a role ARN and a SAML provider ARN, and what is not.
import { describe, expect, it } from 'vitest';
import { isRoleArn, isSamlProviderArn, parseRoleArn, parseSamlProviderArn, samlProviderArn } from '../../../src/aws/arn.ts';
import { isHatrackError } from '../../../src/errors.ts';

function codeOf(fn: () => unknown): string {
  try { fn(); } catch (e) { return isHatrackError(e) ? `${e.code}/${e.status}` : 'other'; }
  return 'none';
}

describe('parseRoleArn', () => {
  it('parses a role without a path', () => {
    expect(parseRoleArn('arn:aws:iam::111111111111:role/Admin')).toEqual({
      arn: 'arn:aws:iam::111111111111:role/Admin', partition: 'aws', accountId: '111111111111', path: '/', name: 'Admin',
    });
  });

  it('parses a role with a path in every partition', () => {
    expect(parseRoleArn('arn:aws-us-gov:iam::123456789012:role/team/ops/Deploy')).toMatchObject({ partition: 'aws-us-gov', path: '/team/ops/', name: 'Deploy' });
    expect(parseRoleArn('arn:aws-cn:iam::123456789012:role/x')).toMatchObject({ partition: 'aws-cn', name: 'x' });
  });

  it('accepts the whole IAM charset in names and path segments', () => {
    expect(parseRoleArn('arn:aws:iam::111111111111:role/a+b=c,d.e@f-g_h/R+=,.@-_9').name).toBe('R+=,.@-_9');
  });

  it('accepts a 64-character name and rejects 65', () => {
    expect(isRoleArn(`arn:aws:iam::111111111111:role/${'a'.repeat(64)}`)).toBe(true);
    expect(isRoleArn(`arn:aws:iam::111111111111:role/${'a'.repeat(65)}`)).toBe(false);
  });

  it('rejects a path longer than 512 characters', () => {
    expect(isRoleArn(`arn:aws:iam::111111111111:role/${'p/'.repeat(256)}R`)).toBe(false);
    expect(isRoleArn(`arn:aws:iam::111111111111:role/${'p/'.repeat(255)}R`)).toBe(true);
  });

  it.each([
    ['an unknown partition', 'arn:aws-evil:iam::111111111111:role/Admin'],
    ['an 11-digit account', 'arn:aws:iam::11111111111:role/Admin'],
    ['a region in an IAM ARN', 'arn:aws:iam:us-east-1:111111111111:role/Admin'],
    ['a wildcard', 'arn:aws:iam::111111111111:role/*'],
    ['a second ARN after a comma', 'arn:aws:iam::111111111111:role/A,arn:aws:iam::111111111111:saml-provider/x'],
    ['an empty name', 'arn:aws:iam::111111111111:role/'],
    ['an empty path segment', 'arn:aws:iam::111111111111:role//Admin'],
    ['a space', 'arn:aws:iam::111111111111:role/Ad min'],
    ['a trailing newline', 'arn:aws:iam::111111111111:role/Admin\n'],
    ['a leading space', ' arn:aws:iam::111111111111:role/Admin'],
    ['a non-ASCII letter', 'arn:aws:iam::111111111111:role/Admín'],
    ['a user ARN', 'arn:aws:iam::111111111111:user/Admin'],
    ['a SAML provider ARN', 'arn:aws:iam::111111111111:saml-provider/hatrack'],
    ['upper-case ARN prefix', 'ARN:aws:iam::111111111111:role/Admin'],
  ])('rejects %s with invalid_role_arn', (_, value) => {
    expect(codeOf(() => parseRoleArn(value))).toBe('invalid_role_arn/400');
    expect(isRoleArn(value)).toBe(false);
  });

  it('rejects values that are not strings', () => {
    expect(codeOf(() => parseRoleArn(undefined))).toBe('invalid_role_arn/400');
    expect(codeOf(() => parseRoleArn(['arn:aws:iam::111111111111:role/Admin']))).toBe('invalid_role_arn/400');
  });
});

describe('parseSamlProviderArn', () => {
  it('parses a provider ARN', () => {
    expect(parseSamlProviderArn('arn:aws:iam::111111111111:saml-provider/hatrack')).toEqual({
      arn: 'arn:aws:iam::111111111111:saml-provider/hatrack', partition: 'aws', accountId: '111111111111', name: 'hatrack',
    });
  });

  it.each([
    ['a comma', 'arn:aws:iam::111111111111:saml-provider/a,b'],
    ['a path', 'arn:aws:iam::111111111111:saml-provider/a/b'],
    ['a role', 'arn:aws:iam::111111111111:role/hatrack'],
    ['a 129-character name', `arn:aws:iam::111111111111:saml-provider/${'a'.repeat(129)}`],
    ['an unknown partition', 'arn:aws-x:iam::111111111111:saml-provider/hatrack'],
  ])('rejects %s with invalid_saml_provider_arn', (_, value) => {
    expect(codeOf(() => parseSamlProviderArn(value))).toBe('invalid_saml_provider_arn/400');
    expect(isSamlProviderArn(value)).toBe(false);
  });
});

describe('samlProviderArn', () => {
  it('builds the provider ARN of an account', () => {
    expect(samlProviderArn('aws', '111111111111', 'hatrack')).toBe('arn:aws:iam::111111111111:saml-provider/hatrack');
    expect(samlProviderArn('aws-us-gov', '222222222222', 'Hat_rack.v2-x')).toBe('arn:aws-us-gov:iam::222222222222:saml-provider/Hat_rack.v2-x');
  });

  it('builds only ARNs that parse back', () => {
    const arn = samlProviderArn('aws-cn', '333333333333', 'hatrack');
    expect(parseSamlProviderArn(arn).accountId).toBe('333333333333');
  });

  it('rejects a bad partition, account or name', () => {
    expect(codeOf(() => samlProviderArn('aws-evil', '111111111111', 'hatrack'))).toBe('invalid_partition/400');
    expect(codeOf(() => samlProviderArn('aws', '1111', 'hatrack'))).toBe('invalid_account_id/400');
    expect(codeOf(() => samlProviderArn('aws', '111111111111', 'hat,rack'))).toBe('invalid_saml_provider_arn/400');
  });
});
