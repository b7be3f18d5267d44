// How people name a role on the command line (`hatrack creds prod/Admin`): by ARN, by
// alias/role or accountId/role, or by a unique end of either — preferring an end that starts a
// path segment — and what they hear when the name is ambiguous or names nothing of theirs.
import { describe, expect, it } from 'vitest';
import { AmbiguousRoleError, grantNamed, shortRoleName } from '../../../src/broker/role-names.ts';
import { HatrackError } from '../../../src/errors.ts';
import type { Grant } from '../../../src/mapping/types.ts';

const PROD = '111111111111';
const DEV = '222222222222';
const SANDBOX = '333333333333';
const aliases: Record<string, string> = { [PROD]: 'prod', [DEV]: 'dev' };

/** A grant as mapRoles makes it, for `role/<path><name>` in `account`. */
function grant(account: string, rolePath: string, rule = 0): Grant {
  const roleName = rolePath.split('/').pop()!;
  return {
    roleArn: `arn:aws:iam::${account}:role/${rolePath}`,
    providerArn: `arn:aws:iam::${account}:saml-provider/hatrack`,
    accountId: account,
    ...(aliases[account] !== undefined && { accountAlias: aliases[account] }),
    roleName,
    sessionDuration: 3600,
    rule,
  };
}

const prodAdmin = grant(PROD, 'Admin');
const prodReadOnlyAdmin = grant(PROD, 'ReadOnlyAdmin', 1);
const prodReadOnly = grant(PROD, 'ReadOnly', 2);
const devPowerUser = grant(DEV, 'PowerUser', 3);
const devAdmin = grant(DEV, 'Admin', 4);
const sandboxDeploy = grant(SANDBOX, 'ci/Deployer', 5);

function thrown(call: () => unknown): HatrackError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(HatrackError);
    return e as HatrackError;
  }
  throw new Error('expected grantNamed to throw');
}

describe('shortRoleName', () => {
  it('is alias/role, or accountId/role for an account without an alias, and drops the IAM path', () => {
    expect(shortRoleName(prodAdmin)).toBe('prod/Admin');
    expect(shortRoleName(sandboxDeploy)).toBe('333333333333/Deployer');
  });
});

describe('grantNamed', () => {
  const grants = [prodAdmin, prodReadOnlyAdmin, prodReadOnly, devPowerUser, sandboxDeploy];

  it('names a role by its ARN', () => {
    for (const g of grants) expect(grantNamed(grants, g.roleArn)).toBe(g);
  });

  it('names a role by alias/role', () => {
    expect(grantNamed(grants, 'prod/Admin')).toBe(prodAdmin);
    expect(grantNamed(grants, 'prod/ReadOnlyAdmin')).toBe(prodReadOnlyAdmin);
    expect(grantNamed(grants, 'dev/PowerUser')).toBe(devPowerUser);
  });

  it('names a role by accountId/role, with or without an alias on the account', () => {
    expect(grantNamed(grants, '111111111111/Admin')).toBe(prodAdmin);
    expect(grantNamed(grants, '222222222222/PowerUser')).toBe(devPowerUser);
    expect(grantNamed(grants, '333333333333/Deployer')).toBe(sandboxDeploy);
  });

  it('names a role by a unique suffix at a segment boundary: `Admin` is prod/Admin, not prod/ReadOnlyAdmin', () => {
    expect(grantNamed(grants, 'Admin')).toBe(prodAdmin);
    expect(grantNamed(grants, 'ReadOnly')).toBe(prodReadOnly);
    expect(grantNamed(grants, 'ReadOnlyAdmin')).toBe(prodReadOnlyAdmin);
    expect(grantNamed(grants, 'PowerUser')).toBe(devPowerUser);
    // A segment of the IAM path counts as a boundary too (the ARN's `role/ci/Deployer`).
    expect(grantNamed(grants, 'Deployer')).toBe(sandboxDeploy);
    expect(grantNamed(grants, 'ci/Deployer')).toBe(sandboxDeploy);
    // The order the grants come in does not change the answer.
    expect(grantNamed([...grants].reverse(), 'Admin')).toBe(prodAdmin);
  });

  it('never takes the end of a word for a name: `OnlyAdmin` and `werUser` name no role, however unique', () => {
    for (const part of ['OnlyAdmin', 'werUser', 'min']) {
      const e = thrown(() => grantNamed(grants, part));
      expect(e.code, part).toBe('role_not_granted');
      expect(e.status).toBe(403);
    }
  });

  it('an ambiguous name → AmbiguousRoleError (409 role_ambiguous) listing the candidates', () => {
    const both = [prodAdmin, devAdmin, devPowerUser];
    const e = thrown(() => grantNamed(both, 'Admin'));
    expect(e).toBeInstanceOf(AmbiguousRoleError);
    expect(e.code).toBe('role_ambiguous');
    expect(e.status).toBe(409);
    expect([...(e as AmbiguousRoleError).candidates].sort()).toEqual(['dev/Admin', 'prod/Admin']);
    expect(e.message).toContain('prod/Admin');
    expect(e.message).toContain('dev/Admin');
    // Naming it fully picks one.
    expect(grantNamed(both, 'dev/Admin')).toBe(devAdmin);
    expect(grantNamed(both, devAdmin.roleArn)).toBe(devAdmin);
  });

  it('an ambiguous name among roles sharing a short name (IAM paths) lists their ARNs', () => {
    const a = grant(PROD, 'Admin');
    const b = grant(PROD, 'team/Admin');
    const e = thrown(() => grantNamed([a, b], 'prod/Admin'));
    expect(e).toBeInstanceOf(AmbiguousRoleError);
    expect([...(e as AmbiguousRoleError).candidates].sort()).toEqual([a.roleArn, b.roleArn].sort());
    expect(grantNamed([a, b], b.roleArn)).toBe(b);
  });

  it('a name that only ends other names is neither ambiguous nor granted', () => {
    const e = thrown(() => grantNamed([prodReadOnlyAdmin, grant(DEV, 'SuperAdmin')], 'Admin'));
    expect(e).not.toBeInstanceOf(AmbiguousRoleError);
    expect(e.code).toBe('role_not_granted');
  });

  it.each([
    ['a role the person does not have', 'BreakGlass'],
    ['another account\'s role by ARN', 'arn:aws:iam::999999999999:role/Admin'],
    ['a granted role in an account it is not granted in', 'dev/Admin'],
    ['another case', 'admin'],
    ['a prefix, not a suffix', 'prod/Adm'],
    ['a longer name', 'prod/Admin2'],
    ['a wildcard', '*'],
    ['a regular expression', '.*Admin'],
  ])('an unknown name (%s) → 403 role_not_granted', (_what, name) => {
    const e = thrown(() => grantNamed(grants, name));
    expect(e).not.toBeInstanceOf(AmbiguousRoleError);
    expect(e.code).toBe('role_not_granted');
    expect(e.status).toBe(403);
  });

  it('a person with no roles has no role of any name', () => {
    expect(thrown(() => grantNamed([], 'Admin')).code).toBe('role_not_granted');
  });

  it.each([
    ['nothing', undefined],
    ['an empty name', ''],
    ['a number', 42],
    ['an array', ['prod/Admin']],
    ['an overlong name', 'A'.repeat(2049)],
  ])('no usable name (%s) → 400 role_missing', (_what, name) => {
    const e = thrown(() => grantNamed(grants, name));
    expect(e.code).toBe('role_missing');
    expect(e.status).toBe(400);
  });
});
