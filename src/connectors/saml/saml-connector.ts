// The SAML connector (Google Workspace and any SAML 2.0 IdP): SP-initiated logins over the
// HTTP-Redirect binding, responses over HTTP-POST, IdP-initiated (tile) logins when allowed.
// It never sees cookies or Express: login state lives in the shared Store — the pending login the
// HTTP layer keeps under RelayState, plus this connector's own one-shot key per AuthnRequest ID —
// so the ACS works on any broker process and with no cookie at all (SECURITY.md W2, R6).
// The response checks live in acs.ts, signatures in signature.ts, identity in identity.ts.

import { X509Certificate, randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../clock.ts';
import { HatrackError } from '../../errors.ts';
import type { Identity } from '../../identity.ts';
import type { Logger } from '../../log.ts';
import type { Store } from '../../store/store.ts';
import { toPendingLogin, type CallbackInput, type FinishLoginInput, type RedirectConnector, type StartLoginInput, type StartLoginResult } from '../connector.ts';
import type { SamlPendingLogin } from './login-data.ts';
import { consumeResponse, type AcsResult, type SecondVerifier } from './acs.ts';
import { samlError } from './errors.ts';
import { REQUEST_GRACE_MS, requestKey } from './store-keys.ts';
import { authnRequestUrl, nodeSamlConfig, serviceProviderMetadata } from './node-saml.ts';
import type { SamlConfig } from '@node-saml/node-saml';
import { resolveSamlOptions, type ResolvedSamlOptions, type SamlConnectorOptions } from './options.ts';
import type { DecryptionKey } from './encryption.ts';
import { certificateFingerprint } from './signature.ts';

export interface SamlConnectorDeps {
  /** The shared store: AuthnRequest IDs and the replay cache live here. */
  store: Store;
  /** The SP decryption keys, current then next; needed when assertionEncryption is not off. */
  decryptionKeys?: readonly DecryptionKey[];
  clock?: Clock;
  log?: Logger;
}

export interface SamlConnector extends RedirectConnector {
  readonly type: 'saml';
  readonly options: Readonly<ResolvedSamlOptions>;
  /** SP metadata for GET /saml/:connector/metadata (application/samlmetadata+xml). */
  spMetadataXml(): string;
  /**
   * finishLogin with what else the ACS learnt: whether the response was unsolicited (the tile),
   * the assertion ID. `secondVerifier` is the independent verifier that must agree (node-saml's
   * SAML class unless another is given).
   */
  acceptResponse(input: FinishLoginInput, secondVerifier?: SecondVerifier): Promise<AcsResult>;
  /**
   * A new SP-initiated login: its RelayState, its AuthnRequest ID (kept one-shot in the store
   * until answered) and the pending login to save; the AuthnRequest itself is for the caller to
   * build with node-saml under that ID.
   */
  prepareLogin(input: StartLoginInput): Promise<{ pending: SamlPendingLogin }>;
  /** node-saml's configuration for this connector: what passport-saml's strategy is built with. */
  nodeSamlConfig(): SamlConfig;
}

export function createSamlConnector(options: SamlConnectorOptions, deps: SamlConnectorDeps): SamlConnector {
  const o = resolveSamlOptions(options);
  if (!deps?.store) throw new HatrackError('saml_config_invalid', 500, 'Hatrack is not configured correctly for this sign-in.', `connector ${o.id}: no store`);
  const clock = deps.clock ?? systemClock;
  const { store, log } = deps;
  const decryptionKeys = deps.decryptionKeys ?? [];
  if (o.assertionEncryption !== 'off' && decryptionKeys.length === 0) {
    throw new HatrackError('saml_config_invalid', 500, 'Hatrack is not configured correctly for this sign-in.', `connector ${o.id}: assertionEncryption is ${o.assertionEncryption} but no decryption key was given`);
  }
  warnAboutCertificates(o, clock, log);
  const metadata = serviceProviderMetadata(o, o.assertionEncryption === 'off' ? [] : decryptionKeys.map((k) => k.certPem));

  async function prepareLogin(input: StartLoginInput): Promise<{ pending: SamlPendingLogin }> {
    if (input.redirectUri !== o.acsUrl) {
      throw new HatrackError('saml_config_invalid', 500, 'Hatrack is not configured correctly for this sign-in.',
        `connector ${o.id}: startLogin was given redirectUri ${input.redirectUri}, but the connector's acsUrl is ${o.acsUrl}`);
    }
    const state = randomBytes(32).toString('base64url');
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const createdAt = clock.now().getTime();
    const written = await store.setIfAbsent(requestKey(o.id, requestId), JSON.stringify({ state, createdAt }), o.maxLoginAgeMs + REQUEST_GRACE_MS);
    if (!written) throw new Error('AuthnRequest ID collision');
    const pending: SamlPendingLogin = {
      connector: o.id,
      state,
      data: { requestId },
      redirectUri: o.acsUrl,
      createdAt,
      ...(input.returnTo !== undefined && { returnTo: input.returnTo }),
    };
    return { pending };
  }

  async function startLogin(input: StartLoginInput): Promise<StartLoginResult> {
    const { pending } = await prepareLogin(input);
    return { url: await authnRequestUrl(o, pending.data.requestId, pending.state), pending };
  }

  async function acceptResponse(input: FinishLoginInput, secondVerifier?: SecondVerifier): Promise<AcsResult> {
    const given = input.pending === undefined ? undefined : toPendingLogin(input.pending);
    if (input.pending !== undefined && given === undefined) {
      throw samlError('saml_in_response_to_mismatch', o.id, 'the stored pending login is malformed');
    }
    return consumeResponse({ o, store, now: clock.now().getTime(), decryptionKeys, ...(log && { log }) }, input.callback.form, given, secondVerifier);
  }

  return {
    id: o.id,
    type: 'saml',
    displayName: o.displayName,
    options: Object.freeze({ ...o, idpCerts: Object.freeze([...o.idpCerts]) as string[] }),
    startLogin,
    callbackState(callback: CallbackInput): string | undefined {
      const states = callback.form?.getAll('RelayState') ?? [];
      return states.length === 1 ? states[0] : undefined;
    },
    async finishLogin(input: FinishLoginInput): Promise<Identity> {
      return (await acceptResponse(input)).identity;
    },
    acceptResponse,
    prepareLogin,
    nodeSamlConfig: () => nodeSamlConfig(o),
    spMetadataXml: () => metadata,
    async ready() {
      // Nothing to discover: the IdP is configured by value.
    },
  };
}

/** A log line for certificates that expired or expire within 30 days: rotation is due. */
function warnAboutCertificates(o: ResolvedSamlOptions, clock: Clock, log: Logger | undefined): void {
  if (!log) return;
  const now = clock.now().getTime();
  o.idpCerts.forEach((pem, index) => {
    const cert = new X509Certificate(pem);
    const ends = Date.parse(cert.validTo);
    if (ends - now < 30 * 86_400_000) {
      log.warn(ends < now ? 'saml idp certificate has expired' : 'saml idp certificate expires soon', {
        connector: o.id, certIndex: index, validTo: new Date(ends).toISOString(), fingerprint: certificateFingerprint(pem),
      });
    }
  });
}

