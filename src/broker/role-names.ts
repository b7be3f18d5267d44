// How people name a role on the command line: its ARN, `account-alias/role-name` (or the account
// id in place of the alias), or a unique end of either that starts a path segment, such as
// `prod/Admin` or `Admin` (never `min`: a name that fetches keys must not be a guess).
import { HatrackError, fail } from '../errors.ts';
import type { Grant } from '../mapping/types.ts';

/** What naming needs of a role: a Grant on the broker, a listed role in the CLI. */
export type NamedRole = Pick<Grant, 'roleArn' | 'accountId' | 'accountAlias' | 'roleName'>;

/** `prod/Admin`, or `111111111111/Admin` for an account without an alias. */
export function shortRoleName(grant: NamedRole): string {
  return `${grant.accountAlias ?? grant.accountId}/${grant.roleName}`;
}

/** More than one role answers to a name: the error lists them, so the person can pick one. */
export class AmbiguousRoleError extends HatrackError {
  readonly candidates: string[];

  constructor(name: string, candidates: string[]) {
    super('role_ambiguous', 409, `"${name}" names ${candidates.length} of your roles: ${candidates.join(', ')}. Name one of them.`);
    this.candidates = candidates;
  }
}

function namesOf(g: NamedRole): string[] {
  return [g.roleArn, shortRoleName(g), `${g.accountId}/${g.roleName}`];
}

/**
 * The grant `name` names. An exact name wins; else an end that starts a path segment (`Admin`
 * names `prod/Admin`, not `prod/ReadOnlyAdmin`). Several → AmbiguousRoleError.
 */
export function grantNamed<G extends NamedRole>(grants: readonly G[], name: unknown): G {
  if (typeof name !== 'string' || name === '' || name.length > 2048) {
    throw fail.badRequest('role_missing', 'Name a role: its ARN, account-alias/role-name, or a unique end of either.');
  }
  const tiers: Array<(n: string) => boolean> = [
    (n) => n === name,
    (n) => n.endsWith(`/${name}`) || n.endsWith(`:${name}`),
  ];
  for (const matches of tiers) {
    const found = grants.filter((g) => namesOf(g).some(matches));
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const short = found.map(shortRoleName);
      // Roles of one name on different IAM paths share a short name: list their ARNs then.
      throw new AmbiguousRoleError(name, new Set(short).size === short.length ? short : found.map((g) => g.roleArn));
    }
  }
  throw fail.forbidden('role_not_granted', `You are not allowed to wear a role named "${name.slice(0, 200)}". \`hatrack roles\` lists yours.`);
}
