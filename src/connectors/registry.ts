// From the validated configuration to connectors: one factory per `type`. The schema
// (config/schema.ts) validates and defaults each connector's settings once; a factory only turns
// them into the connector's options (reading certificate files, loading a strategy module) and
// computes its callback URL with the one function the routes use too (upstream.ts).
import type { Clock } from '../clock.ts';
import { readIdpCert } from '../config/idp-certs.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { createLdapConnector, type PasswordConnector } from './ldap/ldap-connector.ts';
import { createOidcConnector } from './oidc/index.ts';
import { createPassportConnector } from './passport/passport-connector.ts';
import { loadStrategyClass } from './passport/strategy-module.ts';
import { createSamlConnector } from './saml/index.ts';
import type { DecryptionKey } from './saml/encryption.ts';
import { callbackUrl, type UpstreamConnector } from './upstream.ts';

export interface ConnectorDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Where relative certificate and module paths resolve. */
  baseDir: string;
  /** The public base URL, without a trailing slash. */
  publicUrl: string;
  /** The SP decryption keys, current then next, for SAML connectors that take encrypted assertions. */
  decryptionKeys: readonly DecryptionKey[];
}

type ConnectorConfig = Config['connectors'][number];
type Built = { kind: 'upstream'; connector: UpstreamConnector } | { kind: 'password'; connector: PasswordConnector };
type Factories = { [T in ConnectorConfig['type']]: (c: Extract<ConnectorConfig, { type: T }>, deps: ConnectorDeps) => Promise<Built> };

/** Domain names compare in lower case. */
function allowedDomainsOf(c: { allowedDomains?: string[] | undefined }): { allowedDomains?: string[] } {
  return c.allowedDomains === undefined ? {} : { allowedDomains: c.allowedDomains.map((d) => d.toLowerCase()) };
}

const factories: Factories = {
  async oidc(c, deps) {
    return { kind: 'upstream', connector: createOidcConnector({ ...c, displayName: c.displayName ?? c.id }, { clock: deps.clock, log: deps.log.child({ connector: c.id }) }) };
  },

  async saml(c, deps) {
    // groupsCaseInsensitive is the mapping engine's business, not the connector's.
    const { type: _type, idpCerts, entityId, groupsCaseInsensitive: _ci, ...saml } = c;
    return {
      kind: 'upstream',
      connector: createSamlConnector({
        ...saml,
        displayName: c.displayName ?? c.id,
        entityId: entityId ?? `${deps.publicUrl}/saml/${c.id}/metadata`,
        acsUrl: callbackUrl(deps.publicUrl, c),
        idpCerts: idpCerts.map((cert) => readIdpCert(cert, deps.baseDir)),
      }, { store: deps.store, clock: deps.clock, log: deps.log.child({ connector: c.id }), decryptionKeys: deps.decryptionKeys }),
    };
  },

  async ldap(c, deps) {
    return {
      kind: 'password',
      connector: createLdapConnector({
        id: c.id,
        displayName: c.displayName ?? c.id,
        url: c.url,
        startTls: c.startTls,
        ...(c.ca !== undefined && { caPem: readIdpCert(c.ca, deps.baseDir) }),
        bindDn: c.bindDn,
        bindPassword: c.bindPassword,
        userBase: c.userBase,
        userFilter: c.userFilter,
        attributes: c.attributes,
        groups: c.groups === 'memberOf' ? { from: 'memberOf' } : { from: 'search', ...c.groups },
        groupName: c.groupName,
        timeoutMs: c.timeout * 1000,
        emailsVerified: c.emailsVerified,
        ...allowedDomainsOf(c),
      }, { clock: deps.clock }),
    };
  },

  async passport(c, deps) {
    return {
      kind: 'upstream',
      connector: createPassportConnector({
        id: c.id,
        displayName: c.displayName ?? c.id,
        Strategy: await loadStrategyClass(c.id, c.module, c.export, deps.baseDir),
        strategyOptions: c.options,
        callbackUrlOption: c.callbackUrlOption,
        ...(c.verify.arity !== undefined && { verifyArity: c.verify.arity }),
        ...(c.verify.profileArgument !== undefined && { profileArgument: c.verify.profileArgument }),
        profile: c.profile,
        emailsVerified: c.emailsVerified,
        provesMfa: c.provesMfa,
        ...allowedDomainsOf(c),
      }, { clock: deps.clock }),
    };
  },
};

/**
 * Every configured connector, by id: those that send people to their provider (`upstream`), and
 * those whose people sign in on Hatrack's own password form (`password`).
 */
export async function connectorsFromConfig(config: Config, deps: ConnectorDeps): Promise<{ upstream: Map<string, UpstreamConnector>; password: Map<string, PasswordConnector> }> {
  const upstream = new Map<string, UpstreamConnector>();
  const password = new Map<string, PasswordConnector>();
  for (const c of config.connectors) {
    const build = factories[c.type] as (c: ConnectorConfig, deps: ConnectorDeps) => Promise<Built>;
    const built = await build(c, deps);
    if (built.kind === 'upstream') upstream.set(c.id, built.connector);
    else password.set(c.id, built.connector);
  }
  return { upstream, password };
}
