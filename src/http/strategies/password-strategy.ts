// A password connector (LDAP) as a passport Strategy: the sign-in form's `username` and `password`
// go to the connector and to nothing else (L2); a refusal (wrong credentials, 4xx) is passport's
// `fail`, the directory being down (5xx) its `error`.
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import type { PasswordConnector } from '../../connectors/ldap/ldap-connector.ts';
import { isHatrackError } from '../../errors.ts';

export class PasswordStrategy extends Strategy {
  readonly name: string;
  // A plain field, not #private: passport runs each request on Object.create(strategy).
  readonly connector: PasswordConnector;

  constructor(connector: PasswordConnector) {
    super();
    this.name = connector.id;
    this.connector = connector;
  }

  override authenticate(req: Request): void {
    const body = req.body as Record<string, unknown> | undefined;
    this.connector.signIn(body?.username, body?.password).then(
      (identity) => this.success(identity),
      (e: unknown) => (isHatrackError(e) && e.status < 500 ? this.fail(e, e.status) : this.error(e instanceof Error ? e : new Error(String(e)))),
    );
  }
}
