// `hatrack iam-setup`'s generator: per account the SAML provider, per role the trust policy that
// lets exactly that provider assume it — and output that is valid CloudFormation and IAM JSON.
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudFormationTemplate, iamSetupJson, planIamSetup, type IamSetup } from '../../../src/aws/iam-setup.ts';
import { idpMetadataXml } from '../../../src/aws/metadata.ts';
import { rulesOf } from '../mapping/support.ts';
import { signingPair } from './support.ts';

const AUD = 'https://signin.aws.amazon.com/saml';
const rules = rulesOf([
  { group: 'admins', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin'], sessionDuration: '8h' },
  { group: 'power-users', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionDuration: '4h', sessionTags: { email: 'email' } },
  { group: 'power-users', role: 'arn:aws:iam::{prod}:role/ReadOnly', sessionDuration: '30m' },
  { group: 'breakglass', role: 'arn:aws:iam::{prod}:role/Admin', sessionDuration: '12h' },
  { group: 'auditors', role: 'arn:aws:iam::444444444444:role/audit/Auditor' },
  { groupPattern: '^aws#(?<account>[a-z]+)#(?<role>[A-Za-z]+)$', role: 'arn:aws:iam::{account}:role/{role}', sessionTags: { a: 'capture:account' } },
  { deny: true, group: 'suspended' },
]);

let setup: IamSetup;
beforeAll(async () => {
  const { certPem } = await signingPair();
  setup = planIamSetup({ rules, samlAudience: AUD, metadataXml: idpMetadataXml({ entityId: 'https://hatrack.example.com/saml/metadata', certificates: [certPem] }) });
});

const trust = (federated: unknown, actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'HatrackSignIn', Effect: 'Allow', Principal: { Federated: federated }, Action: actions, Condition: { StringEquals: { 'SAML:aud': AUD } } }],
});

describe('the IAM setup plan', () => {
  it('has every configured account, then accounts named only by rules, each with its own provider', () => {
    expect(setup.accounts.map((a) => [a.accountId, a.alias, a.samlProvider])).toEqual([
      ['111111111111', 'prod', { name: 'hatrack', arn: 'arn:aws:iam::111111111111:saml-provider/hatrack' }],
      ['222222222222', 'dev', { name: 'hatrack', arn: 'arn:aws:iam::222222222222:saml-provider/hatrack' }],
      ['333333333333', 'sandbox', { name: 'hatrack-sbx', arn: 'arn:aws:iam::333333333333:saml-provider/hatrack-sbx' }],
      ['444444444444', undefined, { name: 'hatrack', arn: 'arn:aws:iam::444444444444:saml-provider/hatrack' }],
    ]);
  });

  it('gives each role a trust policy for exactly its account\'s provider, TagSession only where tags are used, and a long enough MaxSessionDuration', () => {
    const roles = setup.accounts.flatMap((a) => a.roles.map((r) => [r.arn, r.path, r.maxSessionDuration, r.rules, r.trustPolicy]));
    expect(roles).toEqual([
      ['arn:aws:iam::111111111111:role/Admin', '/', 43200, [0, 3], trust('arn:aws:iam::111111111111:saml-provider/hatrack', ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'])],
      ['arn:aws:iam::111111111111:role/ReadOnly', '/', 3600, [2], trust('arn:aws:iam::111111111111:saml-provider/hatrack', ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'])],
      ['arn:aws:iam::222222222222:role/Admin', '/', 28800, [0], trust('arn:aws:iam::222222222222:saml-provider/hatrack', ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'])],
      ['arn:aws:iam::222222222222:role/PowerUser', '/', 14400, [1], trust('arn:aws:iam::222222222222:saml-provider/hatrack', ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity', 'sts:TagSession'])],
      ['arn:aws:iam::444444444444:role/audit/Auditor', '/audit/', 3600, [4], trust('arn:aws:iam::444444444444:saml-provider/hatrack', ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'])],
    ]);
  });

  it('says what it cannot list: the roles of pattern rules', () => {
    expect(setup.notes).toEqual([
      'roles[5] (arn:aws:iam::{account}:role/{role}) names its roles from group names, so they are not listed: give each role it may name the trust policy shown here with sts:TagSession and a MaxSessionDuration of at least 3600 s.',
    ]);
  });
});

describe('CloudFormation output', () => {
  it('is one template per account: the SAML provider with Hatrack\'s metadata, and roles trusting it by Ref', () => {
    const t = cloudFormationTemplate(setup, setup.accounts[0]!) as Record<string, any>;
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(Object.keys(t.Resources)).toEqual(['HatrackSamlProvider', 'RoleAdmin', 'RoleReadOnly']);
    expect(t.Resources.HatrackSamlProvider).toEqual({ Type: 'AWS::IAM::SAMLProvider', Properties: { Name: 'hatrack', SamlMetadataDocument: setup.metadataXml } });
    expect(t.Resources.RoleAdmin.Type).toBe('AWS::IAM::Role');
    expect(t.Resources.RoleAdmin.Properties).toMatchObject({ RoleName: 'Admin', Path: '/', MaxSessionDuration: 43200 });
    expect(t.Resources.RoleAdmin.Properties.AssumeRolePolicyDocument).toEqual(trust({ Ref: 'HatrackSamlProvider' }, ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity']));
    expect(t.Outputs.RoleAdminArn).toEqual({ Value: { 'Fn::GetAtt': ['RoleAdmin', 'Arn'] } });
  });

  it('passes the structural rules CloudFormation and IAM apply', () => {
    for (const account of setup.accounts) {
      const t = JSON.parse(JSON.stringify(cloudFormationTemplate(setup, account))) as Record<string, any>;
      expect(Object.keys(t).sort()).toEqual(['AWSTemplateFormatVersion', 'Description', 'Outputs', 'Resources']);
      expect(Buffer.byteLength(t.Description)).toBeLessThanOrEqual(1024);
      const ids = Object.keys(t.Resources);
      for (const [id, resource] of Object.entries<any>(t.Resources)) {
        expect(id).toMatch(/^[A-Za-z0-9]{1,255}$/);
        expect(['AWS::IAM::SAMLProvider', 'AWS::IAM::Role']).toContain(resource.Type);
        if (resource.Type === 'AWS::IAM::SAMLProvider') {
          expect(resource.Properties.Name).toMatch(/^[\w._-]{1,128}$/);
          expect(resource.Properties.SamlMetadataDocument.length).toBeGreaterThanOrEqual(1000);
          continue;
        }
        const p = resource.Properties;
        expect(p.RoleName).toMatch(/^[\w+=,.@-]{1,64}$/);
        expect(p.Path).toMatch(/^\/([\x21-\x7e]+\/)?$/);
        expect(p.MaxSessionDuration).toBeGreaterThanOrEqual(3600);
        expect(p.MaxSessionDuration).toBeLessThanOrEqual(43200);
        expect(p.Description).toMatch(/^[\t\n\r\x20-\x7e\xa1-\xff]{0,1000}$/);
        expect(ids).toContain(p.AssumeRolePolicyDocument.Statement[0].Principal.Federated.Ref);
      }
      for (const output of Object.values<any>(t.Outputs)) {
        const target = output.Value.Ref ?? output.Value['Fn::GetAtt'][0];
        expect(ids).toContain(target);
      }
    }
  });
});

describe('IAM JSON output', () => {
  it('carries the provider metadata and each role\'s trust policy with literal ARNs', () => {
    const json = JSON.parse(JSON.stringify(iamSetupJson(setup))) as Record<string, any>;
    expect(json.samlAudience).toBe(AUD);
    expect(json.accounts[1]).toMatchObject({
      accountId: '222222222222',
      alias: 'dev',
      samlProvider: { name: 'hatrack', arn: 'arn:aws:iam::222222222222:saml-provider/hatrack', samlMetadataDocument: setup.metadataXml },
    });
    expect(json.accounts[1].roles[1]).toEqual({
      roleName: 'PowerUser', path: '/', arn: 'arn:aws:iam::222222222222:role/PowerUser', maxSessionDuration: 14400, grantedBy: ['roles[1]'],
      assumeRolePolicyDocument: trust('arn:aws:iam::222222222222:saml-provider/hatrack', ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity', 'sts:TagSession']),
    });
    expect(json.notes).toHaveLength(1);
  });
});
