// A SAML connector as a passport Strategy: passport-saml's MultiSamlStrategy, which builds the
// AuthnRequest and validates responses with node-saml, with Hatrack's verification on both sides
// of it. A response is accepted only when both accept:
//   Hatrack's checks, cheap refusals first (size, base64, DOCTYPE, counts, structure, replay read,
//   signature, S1–S33; acs.ts) → passport-saml's validation of the parts the signatures cover →
//   the NameID both read must be the same → the replay key is written.
// The library runs after Hatrack's checks, not before, so that what it parses has passed the
// cheap refusals and the signature check, and holds nothing unsigned (C2, cheap-first.test.ts).
// The subclass exists for these cases:
// - S27, R6: the AuthnRequest ID is Hatrack's, kept one-shot in the shared store
//   (connector.prepareLogin) and handed to node-saml per request through getSamlOptions, so that
//   InResponseTo is checked atomically on any process, never against node-saml's per-process cache.
// - W1: RelayState is Hatrack's random state, never one taken from the request.
// - Only the HTTP-POST response Hatrack checked reaches the library: the stock strategy would also
//   take responses on the query string (HTTP-Redirect binding, unsigned by design) and logout
//   messages; Hatrack has neither.
// - S17 (SHA-384): node-saml's xml-crypto cannot verify it, so for such a signature Hatrack's
//   verifier decides alone, as acs.ts says.
import type { Request } from 'express';
import { MultiSamlStrategy, type VerifiedCallback } from '@node-saml/passport-saml';
import type { Profile } from '@node-saml/node-saml';
import type { AuthenticateOptions, StrategyCreated, StrategyCreatedStatic } from 'passport';
import type { SamlConnector } from '../../connectors/saml/saml-connector.ts';
import type { SecondVerifier } from '../../connectors/saml/acs.ts';
import { isWellFormedState } from '../../connectors/connector.ts';
import { callbackUrl } from '../../connectors/upstream.ts';
import type { Store } from '../../store/store.ts';
import { beginLogin, startedElsewhere, takePendingLogin } from '../login-state.ts';
import type { LoginStep } from './login-step.ts';

export interface SamlStrategyDeps {
  store: Store;
  publicUrl: string;
  publicOrigin: string;
}

type Created = StrategyCreated<SamlLoginStrategy, SamlLoginStrategy & StrategyCreatedStatic>;
type LibraryOptions = { generateUniqueId?: () => string; decryptionPvk?: string; forceAuthn?: boolean };

/** The POSTed fields, repeated ones kept repeated (the connector refuses those). */
export function formOf(body: unknown): URLSearchParams {
  const form = new URLSearchParams();
  if (body === null || typeof body !== 'object') return form;
  for (const [key, value] of Object.entries(body)) {
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') form.append(key, v);
  }
  return form;
}

export class SamlLoginStrategy extends MultiSamlStrategy {
  // Plain fields, not #private: passport runs each request on Object.create(strategy).
  readonly connector: SamlConnector;
  readonly deps: SamlStrategyDeps;
  /** What node-saml is given for one request: the AuthnRequest ID, or the decryption key. */
  readonly perRequest: WeakMap<Request, LibraryOptions>;

  constructor(connector: SamlConnector, deps: SamlStrategyDeps) {
    const perRequest = new WeakMap<Request, LibraryOptions>();
    super({
      ...connector.nodeSamlConfig(),
      name: connector.id,
      getSamlOptions: (req, done) => done(null, perRequest.get(req) ?? {}),
    }, (profile: Profile | null, done: VerifiedCallback) => done(null, profile ?? undefined), (_profile: Profile | null, done: VerifiedCallback) => done(new Error('SAML logout is not offered')));
    this.perRequest = perRequest;
    this.connector = connector;
    this.deps = deps;
  }

  override authenticate(req: Request, options: AuthenticateOptions & Partial<LoginStep>): void {
    const self = this as unknown as Created;
    const step = options.loginStep;
    if (!step) return self.error(new Error('the route gave no login step'));
    (step.kind === 'start' ? self.start(req, step.returnTo, step.reauthenticate === true) : self.acs(req)).catch((e: unknown) => self.error(e instanceof Error ? e : new Error(String(e))));
  }

  /** The library's own run of authenticate on a request object that carries only what Hatrack gives it. */
  library(this: Created, run: Created, fields: { query?: Record<string, string>; body?: Record<string, string> }, libraryOptions: LibraryOptions, req: Request): void {
    const forLibrary: Request = Object.create(req, { query: { value: fields.query ?? {} }, body: { value: fields.body ?? {} } });
    this.perRequest.set(forLibrary, libraryOptions);
    MultiSamlStrategy.prototype.authenticate.call(run, forLibrary, {});
  }

  async start(this: Created, req: Request, returnTo: string | undefined, reauthenticate: boolean): Promise<void> {
    const { pending } = await this.connector.prepareLogin({ redirectUri: callbackUrl(this.deps.publicUrl, this.connector), ...(returnTo !== undefined && { returnTo }) });
    const run: Created = Object.create(this);
    run.redirect = (url: string) => {
      beginLogin(req, this.deps.store, pending).then(() => this.redirect(url, 303), (e: unknown) => this.error(e instanceof Error ? e : new Error(String(e))));
    };
    // After a sign-out the IdP must ask again (ForceAuthn), so that a shared machine can switch people.
    this.library(run, { query: { RelayState: pending.state } }, { generateUniqueId: () => pending.data.requestId, ...(reauthenticate && { forceAuthn: true }) }, req);
  }

  async acs(this: Created, req: Request): Promise<void> {
    const connector = this.connector;
    const form = formOf(req.body);
    const relayStates = form.getAll('RelayState');
    const relayState = relayStates.length === 1 ? relayStates[0] : undefined;
    // Consumed once, atomically: a second POST of the same SP-initiated response finds nothing.
    const pending = isWellFormedState(relayState) ? await takePendingLogin(this.deps.store, relayState) : undefined;
    if (pending && pending.connector !== connector.id) {
      throw startedElsewhere();
    }
    const passportSaml: SecondVerifier = (samlResponse, decryptionPvk) => new Promise((resolve, reject) => {
      const run: Created = Object.create(this);
      run.success = (profile: Express.User) => resolve({ nameId: (profile as Profile).nameID });
      run.fail = () => reject(new Error('passport-saml found no profile in the response'));
      run.error = reject;
      this.library(run, { body: { SAMLResponse: samlResponse } }, decryptionPvk === undefined ? {} : { decryptionPvk }, req);
    });
    const callback = { url: new URL(req.originalUrl, this.deps.publicOrigin), form };
    const result = await connector.acceptResponse({ callback, pending }, passportSaml);
    this.success(result.identity, { pending, relayState, unsolicited: result.unsolicited });
  }
}
