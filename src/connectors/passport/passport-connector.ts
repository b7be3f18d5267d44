// The generic connector: any installed passport strategy (`type: passport`), its profile turned
// into Hatrack's Identity by configured paths. What the strategy verifies — signatures, state,
// PKCE — is the strategy's; Hatrack adds what it adds to every identity: NFC (C3), the address
// vouched for only when configured (C5), allowed domains, and `mfa` false unless the configuration
// says the source proves a second factor, so `requireMfa` rules never grant to its people by default.
import type { Clock } from '../../clock.ts';
import { fail } from '../../errors.ts';
import { normaliseIdentity, type Identity } from '../../identity.ts';
import { emailDomain, inAllowedDomains } from '../domains.ts';
import { groupsFromProfileValue, readProfilePath } from './profile.ts';

/** Where in the strategy's profile each identity field is. */
export interface ProfilePaths {
  subject: string;
  email: string;
  name?: string;
  groups?: string;
}

/** A passport Strategy class: `new StrategyClass(options, verify)`. */
export type StrategyClass = new (options: Record<string, unknown>, verify: (...args: unknown[]) => void) => object;

export interface PassportConnectorOptions {
  id: string;
  displayName: string;
  /** The strategy's class, loaded from the configured module (strategy-module.ts). */
  Strategy: StrategyClass;
  /** The strategy's options; the callback URL is added under `callbackUrlOption`. */
  strategyOptions: Record<string, unknown>;
  callbackUrlOption: string;
  /** The verify callback's declared number of parameters, for strategies that choose their arguments by it. */
  verifyArity?: number;
  /** Which verify argument is the profile (0-based); default the one before `done`. */
  profileArgument?: number;
  profile: ProfilePaths;
  emailsVerified: boolean;
  provesMfa: boolean;
  allowedDomains?: readonly string[];
}

export interface PassportConnector {
  readonly id: string;
  readonly type: 'passport';
  readonly displayName: string;
  readonly Strategy: StrategyClass;
  /** The configuration says the source proves a second factor for every sign-in. */
  readonly provesMfa: boolean;
  readonly verifyArity: number | undefined;
  /** The profile among the verify callback's arguments (`done` excluded). */
  profileOf(args: readonly unknown[]): unknown;
  /** The strategy's options with `callbackUrl` set where the strategy reads it. */
  strategyOptions(callbackUrl: string): Record<string, unknown>;
  /** The profile the strategy verified, as an Identity; a HatrackError when it names nobody usable. */
  identityFromProfile(profile: unknown): Identity;
}

export function createPassportConnector(o: PassportConnectorOptions, deps: { clock: Clock }): PassportConnector {
  const refuse = (what: string) => fail.unauthenticated('passport_profile_invalid', 'The sign-in service did not say who you are.', `connector ${o.id}: ${what}`);
  const text = (path: string | undefined, profile: unknown): string | undefined => {
    if (path === undefined) return undefined;
    const v = readProfilePath(profile, path);
    return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined;
  };

  return {
    id: o.id,
    type: 'passport',
    displayName: o.displayName,
    Strategy: o.Strategy,
    provesMfa: o.provesMfa,
    verifyArity: o.verifyArity,
    profileOf: (args) => args[o.profileArgument ?? args.length - 1],
    strategyOptions: (callbackUrl) => ({ ...o.strategyOptions, [o.callbackUrlOption]: callbackUrl }),
    identityFromProfile(profile) {
      const subject = text(o.profile.subject, profile);
      if (subject === undefined || subject.trim().length === 0 || subject.length > 255) throw refuse(`profile has no usable subject at "${o.profile.subject}"`);
      const email = text(o.profile.email, profile);
      if (email === undefined || !/^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+$/u.test(email) || email.length > 320) throw refuse(`profile has no usable email at "${o.profile.email}"`);
      const name = text(o.profile.name, profile);
      const identity = normaliseIdentity({
        connector: o.id,
        subject,
        email,
        emailVerified: o.emailsVerified,
        ...(name !== undefined && { name }),
        groups: o.profile.groups === undefined ? [] : groupsFromProfileValue(readProfilePath(profile, o.profile.groups)),
        mfa: o.provesMfa,
        authTime: deps.clock.now(),
        claims: {},
      });
      if (!inAllowedDomains(identity.email, o.allowedDomains)) {
        throw fail.forbidden('passport_domain_not_allowed', 'Your email domain may not sign in here.', `domain ${JSON.stringify(emailDomain(identity.email).slice(0, 253))}`);
      }
      return identity;
    },
  };
}
