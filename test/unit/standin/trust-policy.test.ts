// The stand-in's trust policies: the documents it accepts, and how it judges a call against them.
import { describe, expect, it } from 'vitest';
import { parseTrustPolicy, trustPolicyAllows } from '../../../src/dev/aws-standin/trust-policy.ts';
import { createAwsStandin, isStandinError } from '../../../src/dev/aws-standin/index.ts';

const PROVIDER = 'arn:aws:iam::123456789012:saml-provider/Hatrack';
const AUD = 'https://signin.aws.amazon.com/saml';

const hatrackPolicy = (actions: string[], extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Principal: { Federated: PROVIDER },
    Action: actions,
    Condition: { StringEquals: { 'SAML:aud': AUD } },
    ...extra,
  }],
});

const ask = (doc: unknown, action: string, keys: Record<string, string> = { 'saml:aud': AUD }, principal = PROVIDER) =>
  trustPolicyAllows(parseTrustPolicy(doc), { action, principal, keys });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isStandinError(e) ? e.code : 'not a StandinError';
  }
}

describe('trust policy evaluation', () => {
  const doc = hatrackPolicy(['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity']);

  it('allows exactly the listed actions, for exactly the named provider, with the audience it names', () => {
    expect(ask(doc, 'sts:AssumeRoleWithSAML')).toBe(true);
    expect(ask(doc, 'sts:SetSourceIdentity')).toBe(true);
    expect(ask(doc, 'sts:TagSession')).toBe(false);
    expect(ask(doc, 'sts:AssumeRoleWithSAML', { 'saml:aud': 'https://eu-west-1.signin.aws.amazon.com/saml' })).toBe(false);
    expect(ask(doc, 'sts:AssumeRoleWithSAML', {})).toBe(false);
    expect(ask(doc, 'sts:AssumeRoleWithSAML', { 'saml:aud': AUD }, 'arn:aws:iam::123456789012:saml-provider/Other')).toBe(false);
  });

  it('reads actions with wildcards and ignoring case, and condition keys ignoring case', () => {
    expect(ask(hatrackPolicy(['STS:assumerolewithsaml']), 'sts:AssumeRoleWithSAML')).toBe(true);
    expect(ask(hatrackPolicy(['sts:*']), 'sts:TagSession')).toBe(true);
    expect(ask({ Statement: { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:*', Condition: { StringEquals: { 'saml:AUD': AUD } } } }, 'sts:TagSession')).toBe(true);
  });

  it('lets an explicit Deny win, and evaluates the String operators the way IAM does', () => {
    const withDeny = { Statement: [...hatrackPolicy(['sts:*']).Statement, { Effect: 'Deny', Principal: '*', Action: 'sts:TagSession' }] };
    expect(ask(withDeny, 'sts:AssumeRoleWithSAML')).toBe(true);
    expect(ask(withDeny, 'sts:TagSession')).toBe(false);
    const like = hatrackPolicy(['sts:AssumeRoleWithSAML']);
    (like.Statement[0] as Record<string, unknown>).Condition = { StringLike: { 'SAML:aud': 'https://*.signin.aws.amazon.com/saml' }, StringNotEquals: { 'SAML:sub_type': 'transient' } };
    expect(ask(like, 'sts:AssumeRoleWithSAML', { 'saml:aud': 'https://eu-west-1.signin.aws.amazon.com/saml', 'saml:sub_type': 'persistent' })).toBe(true);
    expect(ask(like, 'sts:AssumeRoleWithSAML', { 'saml:aud': 'https://eu-west-1.signin.aws.amazon.com/saml', 'saml:sub_type': 'transient' })).toBe(false);
    expect(ask(like, 'sts:AssumeRoleWithSAML', { 'saml:aud': AUD })).toBe(false);
    const ifExists = hatrackPolicy(['sts:AssumeRoleWithSAML']);
    (ifExists.Statement[0] as Record<string, unknown>).Condition = { StringEqualsIfExists: { 'sts:SourceIdentity': 'alice@corp.example' } };
    expect(ask(ifExists, 'sts:AssumeRoleWithSAML', {})).toBe(true);
    expect(ask(ifExists, 'sts:AssumeRoleWithSAML', { 'sts:sourceidentity': 'mallory@corp.example' })).toBe(false);
  });

  it('refuses, at registration, documents it cannot judge faithfully', () => {
    for (const bad of [
      'not json',
      [],
      { Version: '2012-10-17' },
      { Statement: [{ Effect: 'Allow', NotPrincipal: { Federated: PROVIDER }, Action: 'sts:*' }] },
      { Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, NotAction: 'sts:TagSession' }] },
      { Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:*', Resource: '*' }] },
      { Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:*', Condition: { 'ForAnyValue:StringEquals': { 'SAML:aud': AUD } } }] },
      { Statement: [{ Effect: 'Maybe', Principal: { Federated: PROVIDER }, Action: 'sts:*' }] },
      { Statement: [{ Effect: 'Allow', Principal: { Federated: [] }, Action: 'sts:*' }] },
      { Version: '2020-01-01', Statement: [] },
    ]) {
      expect(codeOf(() => parseTrustPolicy(bad))).toBe('MalformedPolicyDocument');
    }
    expect(codeOf(() => parseTrustPolicy(JSON.stringify(doc)))).toBeUndefined();
  });

  it('is registered with a role instead of the trust options, not beside them', () => {
    const standin = createAwsStandin();
    expect(codeOf(() => standin.registerRole('arn:aws:iam::123456789012:role/A', { trustPolicy: doc, allowTagSession: false }))).toBe('InvalidInput');
    expect(codeOf(() => standin.registerRole('arn:aws:iam::123456789012:role/A', { trustPolicy: { Statement: [] } }))).toBe('MalformedPolicyDocument');
    expect(standin.registerRole('arn:aws:iam::123456789012:role/A', { trustPolicy: doc, maxSessionDuration: 7200 }).maxSessionDuration).toBe(7200);
  });
});
