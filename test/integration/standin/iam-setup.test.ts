// The proof of `hatrack iam-setup`: its trust policies, registered in the offline AWS stand-in,
// accept exactly the assertions Hatrack mints for those roles (through the broker's real STS
// client), and a trust policy without sts:TagSession / sts:SetSourceIdentity refuses an assertion
// carrying tags / a SourceIdentity with AccessDenied — checked over random rules with fast-check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DOMParser } from '@xmldom/xmldom';
import { validateConfig, type LoadedConfig } from '../../../src/config/load.ts';
import { generateSigningKeyPair } from '../../../src/aws/keys.ts';
import { idpMetadataXml } from '../../../src/aws/metadata.ts';
import { ACTIONS, planIamSetup, trustPolicy } from '../../../src/aws/iam-setup.ts';
import { AWS_ATTRIBUTES, encodeForSts, mintAwsResponse, type IdpSettings } from '../../../src/aws/mint.ts';
import { createKeySigner } from '../../../src/aws/signer.ts';
import { assumeRoleWithSaml, closeStsClients } from '../../../src/aws/sts.ts';
import { createAwsStandin, type AwsStandin } from '../../../src/dev/aws-standin/index.ts';
import { registerIamSetup } from '../../../src/dev/demo.ts';
import { mapRoles } from '../../../src/mapping/map-roles.ts';
import type { Grant } from '../../../src/mapping/types.ts';
import type { Identity } from '../../../src/identity.ts';
import { configWith, person } from '../../unit/mapping/support.ts';

const AUD = 'https://signin.aws.amazon.com/saml';
const ENTITY_ID = 'https://hatrack.example.com/saml/metadata';

const storyRoles = [
  { group: 'aws-admins@corp.example', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin', 'arn:aws:iam::{sandbox}:role/Admin'], sessionDuration: '8h' },
  { group: 'power-users@corp.example', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionDuration: '4h', sessionTags: { team: 'claim:department', email: 'email' }, transitiveTagKeys: ['team'] },
  { group: 'power-users@corp.example', role: 'arn:aws:iam::{prod}:role/ReadOnly' },
  { groupPattern: '^aws#(?<account>[a-z]+)#(?<role>[A-Za-z]+)$', role: 'arn:aws:iam::{account}:role/{role}', sessionDuration: '2h', sessionTags: { account: 'capture:account' } },
];

let standin: AwsStandin;
let sts: { region: string; endpoint: string };
let idp: IdpSettings;
let metadataXml: string;
let loaded: LoadedConfig;

beforeAll(async () => {
  const keys = await generateSigningKeyPair();
  idp = { entityId: ENTITY_ID, signer: createKeySigner({ current: keys }), recipient: AUD, audience: AUD };
  metadataXml = idpMetadataXml({ entityId: ENTITY_ID, certificates: [keys.certPem] });
  loaded = validateConfig(configWith(storyRoles), 'story', {});
  standin = createAwsStandin();
  // Exactly what an administrator creates from `hatrack iam-setup --format json`.
  registerIamSetup(standin, loaded, metadataXml);
  const { url } = await standin.listen(0);
  sts = { region: 'us-east-1', endpoint: url };
});
afterAll(async () => {
  closeStsClients();
  await standin?.close();
});

function wear(identity: Identity, grant: Grant) {
  const xml = mintAwsResponse(identity, grant, idp, new Date(), { sessionTags: grant.sessionTags ?? [] });
  return assumeRoleWithSaml({ roleArn: grant.roleArn, providerArn: grant.providerArn, samlAssertionBase64: encodeForSts(xml), durationSeconds: grant.sessionDuration }, sts);
}

/** The AWS attributes of a minted response, by name. */
function attributesOf(xml: string): Map<string, string[]> {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const out = new Map<string, string[]>();
  const attrs = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Attribute');
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i)!;
    const values = a.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AttributeValue');
    out.set(a.getAttribute('Name')!, Array.from({ length: values.length }, (_, j) => values.item(j)!.textContent ?? ''));
  }
  return out;
}

describe('trust policies from iam-setup, in the stand-in', () => {
  const people = [
    person('alice@corp.example', ['aws-admins@corp.example']),
    person('bob@corp.example', ['power-users@corp.example'], { claims: { department: 'platform' } }),
    person('carla@corp.example', ['power-users@corp.example'], { claims: { department: 'data' } }),
  ];

  it('accept every assertion Hatrack mints for the roles it lists (alice, bob, carla)', async () => {
    let worn = 0;
    for (const who of people) {
      for (const grant of mapRoles(who, loaded.rules).grants) {
        const out = await wear(who, grant);
        expect(out.assumedRoleArn).toBe(`arn:aws:sts::${grant.accountId}:assumed-role/${grant.roleName}/${who.email}`);
        expect(out.sourceIdentity).toBe(who.email);
        expect(out.expiration.getTime() - Date.now()).toBeGreaterThan((grant.sessionDuration - 60) * 1000);
        worn++;
      }
    }
    expect(worn).toBe(7);
  });

  it('accept a consultant\'s pattern roles once created as the note says (trust policy with TagSession)', async () => {
    const plan = planIamSetup({ rules: loaded.rules, samlAudience: AUD, metadataXml });
    expect(plan.notes[0]).toMatch(/with sts:TagSession and a MaxSessionDuration of at least 7200 s/);
    const dora = person('dora@partner.example', ['aws#dev#Deployer', 'aws#prod#Observer']);
    const grants = mapRoles(dora, loaded.rules).grants;
    expect(grants.map((g) => g.roleArn)).toEqual(['arn:aws:iam::222222222222:role/Deployer', 'arn:aws:iam::111111111111:role/Observer']);
    for (const g of grants) {
      standin.registerRole(g.roleArn, { maxSessionDuration: 7200, trustPolicy: trustPolicy(g.providerArn, AUD, { tagSession: true }) });
      expect((await wear(dora, g)).sourceIdentity).toBe('dora@partner.example');
    }
  });

  it('refuse an assertion for another account\'s provider, or a role iam-setup did not create', async () => {
    const alice = people[0]!;
    const [prodAdmin] = mapRoles(alice, loaded.rules).grants;
    const forged = { ...prodAdmin!, roleArn: 'arn:aws:iam::111111111111:role/NotCreated', roleName: 'NotCreated' };
    await expect(wear(alice, forged)).rejects.toMatchObject({ code: 'sts_access_denied' });
  });
});

describe('the minted assertion and the trust policy (property)', () => {
  const tagKey = fc.constantFrom('team', 'cost-center', 'project', 'Env', 'owner');
  const rule = fc.record({
    duration: fc.integer({ min: 900, max: 43200 }),
    tags: fc.uniqueArray(fc.record({ key: tagKey, value: fc.stringMatching(/^[a-z0-9-]{0,20}$/), transitive: fc.boolean() }), { maxLength: 4, selector: (t) => t.key.toLowerCase() }),
    email: fc.stringMatching(/^[a-z][a-z0-9.]{1,15}@corp\.example$/),
  });

  it('carries the rule\'s duration, tags and SourceIdentity, and the stand-in rejects it without TagSession / SetSourceIdentity', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(rule, async ({ duration, tags, email }) => {
      n++;
      const roleName = `Prop${n}`;
      const roles = [{
        group: 'g', role: `arn:aws:iam::{dev}:role/${roleName}`, sessionDuration: duration,
        sessionTags: Object.fromEntries(tags.map((t) => [t.key, `literal:${t.value}`])),
        transitiveTagKeys: tags.filter((t) => t.transitive).map((t) => t.key),
      }];
      const config = validateConfig(configWith(roles), 'prop', {});
      const who = person(email, ['g']);
      const [grant] = mapRoles(who, config.rules).grants;
      expect(grant).toBeDefined();

      // What is signed: exactly the rule's duration, tags and the person's SourceIdentity.
      const xml = mintAwsResponse(who, grant!, idp, new Date(), { sessionTags: grant!.sessionTags ?? [] });
      const attrs = attributesOf(xml);
      expect(attrs.get(AWS_ATTRIBUTES.sessionDuration)).toEqual([String(duration)]);
      expect(attrs.get(AWS_ATTRIBUTES.sourceIdentity)).toEqual([email]);
      for (const t of tags) expect(attrs.get(AWS_ATTRIBUTES.principalTag + t.key)).toEqual([t.value]);
      expect(attrs.get(AWS_ATTRIBUTES.transitiveTagKeys) ?? []).toEqual(tags.filter((t) => t.transitive).map((t) => t.key));

      // The trust policy iam-setup writes for it accepts it…
      const plan = planIamSetup({ rules: config.rules, samlAudience: AUD, metadataXml });
      const role = plan.accounts.flatMap((a) => a.roles).find((r) => r.arn === grant!.roleArn)!;
      expect(role.maxSessionDuration).toBeGreaterThanOrEqual(duration);
      expect(role.trustPolicy.Statement[0]!.Action.includes(ACTIONS.tagSession)).toBe(tags.length > 0);
      standin.registerRole(role.arn, { maxSessionDuration: role.maxSessionDuration, trustPolicy: role.trustPolicy });
      await expect(wear(who, grant!)).resolves.toMatchObject({ sourceIdentity: email });

      // …and without sts:SetSourceIdentity, or without sts:TagSession when tags are carried, AWS says no.
      const without = (action: string) => {
        const policy = structuredClone(role.trustPolicy);
        policy.Statement[0]!.Action = policy.Statement[0]!.Action.filter((a) => a !== action);
        standin.registerRole(role.arn, { maxSessionDuration: role.maxSessionDuration, trustPolicy: policy });
      };
      without(ACTIONS.sourceIdentity);
      await expect(wear(who, grant!)).rejects.toMatchObject({ code: 'sts_access_denied' });
      if (tags.length > 0) {
        standin.registerRole(role.arn, { maxSessionDuration: role.maxSessionDuration, trustPolicy: trustPolicy(grant!.providerArn, AUD, { tagSession: false }) });
        await expect(wear(who, grant!)).rejects.toMatchObject({ code: 'sts_access_denied' });
      }
    }), { numRuns: 15 });
  });
});
