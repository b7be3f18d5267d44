// How mapping grows with the size of an installation (issue 14, figure 7): mapRoles for a person
// with N groups against N rules, for N = 10, 1 000 and 10 000, in two shapes of rule list — all
// exact-group rules (one group per account role, as large organisations write them), and one in
// ten a group pattern or a deny. Each size is measured interleaved with the others, round by
// round; the figure that says "linear" is the time per (rule + group), which must stay flat as N
// grows. Loading and checking the same rule list (validateConfig) is timed too, once per size.
import { validateConfig } from '../src/config/load.ts';
import type { Identity } from '../src/identity.ts';
import { mapRoles } from '../src/mapping/map-roles.ts';
import type { RuleSet } from '../src/mapping/rules.ts';
import { median, msPerCall } from './stats.ts';

const SIZES = [10, 1_000, 10_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

type Shape = 'exact groups' | '1 in 10 a pattern or deny';

/** N rules over 10 accounts; in the mixed shape every 10th rule is a pattern and every 20th a deny. */
function rulesFor(n: number, shape: Shape): unknown[] {
  return Array.from({ length: n }, (_, i) => {
    const account = `{a${i % 10}}`;
    if (shape !== 'exact groups' && i % 20 === 10) return { deny: true, group: `suspended-${i}@corp.example` };
    if (shape !== 'exact groups' && i % 10 === 5) return { groupPattern: `^p${i}-(?<role>[a-z]{1,20})$`, role: `arn:aws:iam::${account}:role/p${i}-{role}` };
    return { group: `team-${i}@corp.example`, role: `arn:aws:iam::${account}:role/Role${i}` };
  });
}

function load(n: number, shape: Shape): { rules: RuleSet; loadMs: number } {
  const accounts = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, String(100000000000 + i)]));
  const start = process.hrtime.bigint();
  const loaded = validateConfig({
    publicUrl: 'https://hatrack.example.com',
    trustProxy: 1,
    connectors: [{ id: 'okta', type: 'oidc', issuer: 'https://corp.okta.com', clientId: 'hatrack' }],
    accounts,
    roles: rulesFor(n, shape),
  }, 'bench', {});
  return { rules: loaded.rules, loadMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** A person in N groups: every 100th one a group some rule asks for, the others unknown to the rules. */
function personIn(n: number): Identity {
  const groups = Array.from({ length: n }, (_, i) => (i % 100 === 0 ? `team-${i}@corp.example` : `other-${i}@corp.example`));
  if (n >= 10) groups.push('p5-readers');
  return { connector: 'okta', subject: 'bench', email: 'pat@corp.example', emailVerified: true, groups, mfa: false, claims: {} };
}

for (const shape of ['exact groups', '1 in 10 a pattern or deny'] as Shape[]) {
  const cases = SIZES.map((n) => ({ n, ...load(n, shape), person: personIn(n), ms: [] as number[] }));
  for (const c of cases) for (let i = 0; i < 3; i++) mapRoles(c.person, c.rules); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) c.ms.push(msPerCall(() => { mapRoles(c.person, c.rules); }, Math.max(1, Math.round(20_000 / c.n))));
  }
  console.log(`mapRoles, N rules (${shape}) for a person in N groups, median of ${ROUNDS} rounds:`);
  const unit = (c: (typeof cases)[number]) => (median(c.ms) * 1e6) / (2 * c.n); // ns per rule + group
  for (const c of cases) {
    const grants = mapRoles(c.person, c.rules).grants.length;
    console.log(`  N = ${String(c.n).padStart(6)}  ${median(c.ms).toFixed(3).padStart(9)} ms  ${unit(c).toFixed(0).padStart(5)} ns per rule+group  ` +
      `(${(unit(c) / unit(cases[0]!)).toFixed(2)}× N = ${cases[0]!.n})  ${grants} grants  config load ${c.loadMs.toFixed(0)} ms`);
  }
}
