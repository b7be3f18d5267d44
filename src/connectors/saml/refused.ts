// The one shape of a refusal inside the SAML connector: a stable code, a message for the log and,
// where a setting at the IdP would fix it, which one (errors.ts POLICY_ADVICE). Each step has its
// own subclass, so that acs.ts can tell where a refusal came from; all become HatrackErrors there.
import type { PolicyRefusal } from './errors.ts';

export class Refused<Code extends string> extends Error {
  readonly code: Code;
  readonly policy: PolicyRefusal | undefined;
  constructor(code: Code, message: string, policy?: PolicyRefusal) {
    super(message);
    this.code = code;
    this.policy = policy;
  }
}
