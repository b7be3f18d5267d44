// Which step of a redirect login a request is, told to a strategy by its route: the start
// (GET /login/:connector) or the provider's answer (callback, ACS). Never inferred from the
// request's parameters, so that an answer without a code is refused, not taken for a new login.
export type LoginStepOf =
  /** `reauthenticate`: the provider must ask the person again (OIDC prompt=login, SAML ForceAuthn): the browser signed out. */
  | { kind: 'start'; returnTo?: string; reauthenticate?: boolean }
  | { kind: 'callback' };

/** The passport.authenticate options Hatrack's routes give a redirect strategy. */
export interface LoginStep {
  loginStep: LoginStepOf;
}
