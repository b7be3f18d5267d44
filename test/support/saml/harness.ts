// One SAML connector wired the way the broker wires it, over a recording in-memory store with a
// frozen clock, plus the two ways a response arrives: in answer to an SP-initiated login (RelayState
// and a pending login the HTTP layer consumed) or unsolicited from the tile (no pending login).

import { expect } from 'vitest';
import { FixedClock } from '../../../src/clock.ts';
import type { SamlPendingLogin } from '../../../src/connectors/saml/login-data.ts';
import { savePendingLogin, takePendingLogin } from '../../../src/http/login-state.ts';
import { createSamlConnector, type SamlConnector, type SamlConnectorOptions } from '../../../src/connectors/saml/index.ts';
import { HatrackError } from '../../../src/errors.ts';
import type { Identity } from '../../../src/identity.ts';
import { memoryLogger } from '../../../src/log.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import type { Store } from '../../../src/store/store.ts';
import { recordingStore, type RecordingStore } from './recording-store.ts';
import { IDP, NOW, SP, form, makeResponse, type Keys, type MadeResponse, type MakeOptions } from './test-idp.ts';

export interface Harness {
  connector: SamlConnector;
  store: RecordingStore;
  clock: FixedClock;
  log: ReturnType<typeof memoryLogger>;
}

export function harness(k: Keys, options: Partial<SamlConnectorOptions> = {}, store?: Store): Harness {
  const clock = new FixedClock(NOW);
  const log = memoryLogger();
  const recording = recordingStore(store ?? new MemoryStore({ clock, sweepIntervalMs: 0 }));
  const connector = createSamlConnector({
    id: SP.id,
    displayName: 'Google Workspace',
    entityId: SP.entityId,
    acsUrl: SP.acsUrl,
    idpEntityId: IDP.entityId,
    idpSsoUrl: IDP.ssoUrl,
    idpCerts: [k.idp.certPem],
    ...options,
  }, { store: recording, clock, log, decryptionKeys: [k.sp, k.spNext] });
  return { connector, store: recording, clock, log };
}

export interface Started {
  pending: SamlPendingLogin;
  url: URL;
}

/** An SP-initiated login as the HTTP layer runs it: startLogin, then the pending login saved in the store. */
export async function start(h: Harness, returnTo?: string): Promise<Started> {
  const { url, pending } = await h.connector.startLogin({ redirectUri: SP.acsUrl, ...(returnTo !== undefined && { returnTo }) });
  await savePendingLogin(h.store, pending);
  return { pending: pending as SamlPendingLogin, url: new URL(url) };
}

/** POSTs a response to the ACS as the HTTP layer does: RelayState → pending login (consumed), then finishLogin. */
export async function post(h: Harness, samlResponse: string, relayState?: string): Promise<Identity> {
  const callback = { url: new URL(SP.acsUrl), form: form(samlResponse, relayState) };
  const pending = await takePendingLogin(h.store, h.connector.callbackState(callback));
  return h.connector.finishLogin({ callback, pending });
}

/** A response to `started` (SP-initiated), made by the test IdP; `o.spec.inResponseTo` may override. */
export function answer(k: Keys, started: Started, o: MakeOptions = {}): MadeResponse {
  return makeResponse(k, { ...o, spec: { inResponseTo: started.pending.data.requestId, ...o.spec } });
}

/**
 * Expects `attempt` to be refused with `code` and that nothing came of it: no identity, no replay
 * key written, and no store call other than those listed in `allowedCalls` (by default none, or the
 * one consume of the AuthnRequest key when the InResponseTo check was reached).
 */
export async function expectRefused(h: Harness, attempt: () => Promise<Identity>, code: string, allowedCalls?: Array<{ op: string; key: RegExp }>): Promise<HatrackError> {
  const before = h.store.calls.length;
  const outcome = await attempt().then((identity) => ({ identity }), (error: unknown) => ({ error }));
  expect('identity' in outcome ? `accepted as ${outcome.identity.email}` : undefined, `expected ${code}`).toBeUndefined();
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(HatrackError);
  const e = error as HatrackError;
  expect(e.code, e.detail).toBe(code);
  expect(e.cause).toBeUndefined();
  // No replay key, ever, for a refused response; and nothing else beyond what was allowed.
  const since = h.store.calls.slice(before);
  expect(since.filter((c) => (c.op === 'set' || (c.op === 'setIfAbsent' && c.result === true)) && c.key.startsWith('saml-assertion:'))).toEqual([]);
  // Reading the replay key (before any signature work, C2) changes nothing and is always allowed.
  const calls = since.filter((c) => !(c.op === 'consume' && c.key.startsWith('pending-login:')) && !(c.op === 'get' && c.key.startsWith('saml-assertion:')));
  const allowed = allowedCalls ?? [];
  for (const call of calls) {
    expect(allowed.some((a) => a.op === call.op && a.key.test(call.key)), `unexpected store call ${call.op} ${call.key}`).toBe(true);
  }
  return e;
}

/** The consume of an AuthnRequest key: allowed once the InResponseTo check is reached. */
export const CONSUMES_REQUEST = [{ op: 'consume', key: /^saml-request:/ }];

/** Nothing in the error may carry the response or assertion. */
export function expectNoSecrets(e: HatrackError, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(e.message).not.toContain(s);
    expect(e.detail ?? '').not.toContain(s);
  }
}
