// How long mapping a person to roles takes on hostile input, against the 10 ms budget of issue 3
// (SECURITY.md W7: ten thousand groups or a 1 MB group name must not slow the broker, which maps
// the verified identity again on every request). For each case it prints the median time of
// mapRoles and its ratio to a baseline measured in the same process, interleaved: normalising the
// same names to NFC and putting them in a Set, the least any exact comparison must do with them.
import { validateConfig } from '../src/config/load.ts';
import { mapRoles } from '../src/mapping/map-roles.ts';
import type { Identity } from '../src/identity.ts';
import { median, msPerCall } from './stats.ts';

const { rules } = validateConfig({
  publicUrl: 'https://hatrack.example.com',
  trustProxy: 1,
  connectors: [
    { id: 'okta', type: 'oidc', issuer: 'https://corp.okta.com', clientId: 'hatrack' },
    { id: 'entra', type: 'oidc', issuer: 'https://login.example.com', clientId: 'hatrack', groupsCaseInsensitive: true },
  ],
  accounts: { prod: '111111111111', dev: '222222222222', sandbox: '333333333333' },
  roles: [
    { group: 'aws-admins@corp.example', role: ['arn:aws:iam::{prod}:role/Admin', 'arn:aws:iam::{dev}:role/Admin'], sessionDuration: '8h' },
    { group: 'aws-admins@corp.example', role: 'arn:aws:iam::{prod}:role/BreakGlass', requireMfa: true },
    { group: 'power-users@corp.example', role: 'arn:aws:iam::{dev}:role/PowerUser', sessionTags: { email: 'email', team: 'claim:department' } },
    { group: 'power-users@corp.example', role: 'arn:aws:iam::{prod}:role/ReadOnly', destination: '/cloudtrailv2/home' },
    { groupPattern: '^aws#(?<account>[a-z0-9]+)#(?<role>[\\w+=.@-]{1,64})$', role: 'arn:aws:iam::{account}:role/{role}' },
    { groupPattern: '^team-(?<team>[a-z0-9-]+)-admins$', role: 'arn:aws:iam::{dev}:role/team/{team}' },
    { groupPattern: '^app_(?<app>[A-Za-z]+)_(?:dev|prod)$', role: 'arn:aws:iam::{sandbox}:role/{app}' },
    { deny: true, group: 'suspended@corp.example' },
    { deny: true, groupPattern: '^offboarding-.+$' },
  ],
}, 'bench', {});

const person = (groups: string[], connector = 'okta'): Identity => ({
  connector, subject: 'bench', email: 'mallory@corp.example', emailVerified: true, groups, mfa: false, claims: { department: 'platform' },
});

const realistic = Array.from({ length: 10_000 }, (_, i) => `group-${i}@corp.example`);
// Names built to get as far as possible into each pattern before failing at the very end.
const nearMisses = Array.from({ length: 10_000 }, (_, i) => {
  const n = 236 + (i % 20); // up to the 256 characters patterns are ever given
  switch (i % 4) {
    case 0: return `aws#${'a'.repeat(n - 8)}#Admin!`;
    case 1: return `aws#prod#${'A'.repeat(n)}!`;
    case 2: return `team-${'a-'.repeat(Math.floor(n / 2) - 4)}admin`;
    default: return `app_${'A'.repeat(n)}_stage`;
  }
});
const megabyte = 'aws#prod#' + 'A'.repeat(1_048_576);

const cases: Array<[string, Identity]> = [
  ['typical person (6 groups)', person(['power-users@corp.example', 'all@corp.example', 'aws#dev#ReadOnly', 'team-data-admins', 'app_Billing_prod', 'eng@corp.example'])],
  ['10 000 ordinary groups', person([...realistic, 'power-users@corp.example'])],
  ['10 000 near-miss names of 240–256 characters', person(nearMisses)],
  ['a 1 MB group name among 10 ordinary ones', person([megabyte, ...realistic.slice(0, 10)])],
  ['10 000 near misses + 1 MB name, case-insensitive connector', person([...nearMisses.map((n) => n.toUpperCase()), megabyte], 'entra')],
];


const BUDGET_MS = 10;
let worst = 0;
console.log(`mapRoles on ${rules.rules.length} rules (3 patterns, 2 denies); budget ${BUDGET_MS} ms per person`);
for (const [name, identity] of cases) {
  const map = () => { mapRoles(identity, rules); };
  const base = () => { new Set(identity.groups.filter((g) => g.length <= 1024).map((g) => g.normalize('NFC'))); };
  for (let i = 0; i < 5; i++) { map(); base(); } // warm-up
  const repeat = identity.groups.length > 100 ? 5 : 500;
  const mapMs: number[] = [];
  const baseMs: number[] = [];
  for (let r = 0; r < 11; r++) {
    mapMs.push(msPerCall(map, repeat));
    baseMs.push(msPerCall(base, repeat));
  }
  const m = median(mapMs);
  const b = median(baseMs);
  worst = Math.max(worst, m);
  console.log(`${name.padEnd(58)} ${m.toFixed(3).padStart(8)} ms   baseline ${b.toFixed(3).padStart(7)} ms   ratio ${(m / b).toFixed(1).padStart(5)}×`);
}
console.log(`worst case ${worst.toFixed(3)} ms: ${worst <= BUDGET_MS ? 'within' : 'OVER'} the ${BUDGET_MS} ms budget`);
