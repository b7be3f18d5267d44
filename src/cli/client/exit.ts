// What the user-side commands fail with: one readable line for stderr and an exit code that says
// which kind of failure it was, so scripts can tell "log in again" from "not allowed" (README "CLI").

export const EXIT = {
  failed: 1,
  usage: 2,
  notLoggedIn: 3,
  loginExpired: 4,
  notEntitled: 5,
  unreachable: 6,
} as const;

export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const notLoggedIn = () => new CliFailure('hatrack: not logged in: run `hatrack login` first', EXIT.notLoggedIn);
export const loginExpired = () => new CliFailure('hatrack: your Hatrack login has expired or was ended: run `hatrack login` again', EXIT.loginExpired);
export const usage = (message: string) => new CliFailure(message, EXIT.usage);

/** A role name that names none of the person's roles (not allowed), or several (usage). */
export function roleNameFailure(e: unknown): CliFailure {
  const error = e as { code?: string; message?: string };
  return new CliFailure(`hatrack: ${error.message ?? String(e)}`, error.code === 'role_ambiguous' ? EXIT.usage : EXIT.notEntitled);
}
