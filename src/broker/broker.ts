// The broker's core once a person is verified: which roles they may wear, and wearing one —
// mint the assertion, write the audit line, call AssumeRoleWithSAML, and for the console trade
// the keys for a federation sign-in URL. Knows nothing of HTTP.
import type { AuditEvent, AuditLog } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import type { Partition } from '../aws/arn.ts';
import { consoleSigninUrl } from '../aws/console.ts';
import { awsEndpoints } from '../aws/partition.ts';
import { encodeForSts, mintForAws, type IdpSettings } from '../aws/mint.ts';
import { sanitiseSessionName, sanitiseSourceIdentity } from '../aws/names.ts';
import { assumeRoleWithSaml, type StsSettings } from '../aws/sts.ts';
import { fail, isHatrackError } from '../errors.ts';
import type { Identity } from '../identity.ts';
import type { Metrics } from '../metrics.ts';
import { mapRoles } from '../mapping/map-roles.ts';
import type { RuleSet } from '../mapping/rules.ts';
import type { Grant } from '../mapping/types.ts';
import type { HatRack, RequestMeta, TemporaryCredentials } from './types.ts';

export interface HatRackDeps {
  rules: RuleSet;
  idp: IdpSettings;
  sts: StsSettings;
  console: {
    federationEndpoint: string;
    /** Hatrack's own page, where AWS sends people whose console session ended. */
    issuerUrl: string;
    /** The console page opened by default: the console home; a rule's `destination` overrides it. */
    destination: string;
  };
  /** For console links to a region the person picked. */
  partition: Partition;
  audit: AuditLog;
  metrics: Metrics;
  clock: Clock;
}

/**
 * A destination asked for by the person must stay on the console's own host (or a regional
 * subdomain of it), so the federation endpoint is never used to bounce someone elsewhere. It is
 * checked against the configured console home, not the rule's page, so every grant allows the same.
 */
function checkedDestination(asked: string | undefined, fallback: string, consoleHome: string): string {
  if (asked === undefined) return fallback;
  const home = new URL(consoleHome);
  const url = URL.canParse(asked) ? new URL(asked) : undefined;
  const onConsole = url !== undefined && url.protocol === home.protocol && !url.username && !url.password &&
    (url.host === home.host || url.host.endsWith(`.${home.host}`));
  if (!onConsole) throw fail.badRequest('invalid_destination', 'The console page asked for is not an AWS console address.');
  return url.toString();
}

/** The console home of `region`, which must be in the configured partition. */
function regionalConsole(partition: Partition, region: string): string {
  try {
    return awsEndpoints(partition, region).console;
  } catch {
    throw fail.badRequest('invalid_region', `The region ${region} is not one of this installation's AWS partition.`);
  }
}

export function createHatRack(deps: HatRackDeps): HatRack {
  /**
   * Where the console opens when the person asked for no page: the rule's destination, else the
   * console home; a region picked by the person goes into the `region` parameter of a rule's deep
   * link (as the console's own links do), or selects that region's console home.
   */
  function defaultDestination(grant: Grant, region: string | undefined): string {
    if (region === undefined) return grant.destination ?? deps.console.destination;
    const home = regionalConsole(deps.partition, region);
    if (grant.destination === undefined) return home;
    const url = new URL(grant.destination);
    url.searchParams.set('region', region);
    return url.toString();
  }

  const grants = (identity: Identity) => mapRoles(identity, deps.rules).grants;

  /**
   * Keys live as long as the rule says, or shorter when asked (never longer, never under AWS's
   * 900 s); the role's MaxSessionDuration must allow it.
   */
  function durationFor(grant: Grant, asked: number | undefined): number {
    if (asked === undefined) return grant.sessionDuration;
    if (!Number.isInteger(asked) || asked < 900 || asked > grant.sessionDuration) {
      throw fail.badRequest('invalid_duration', `The duration must be between 900 seconds (15 min) and this role's ${grant.sessionDuration} seconds.`);
    }
    return asked;
  }

  async function credentials(identity: Identity, grant: Grant, meta: RequestMeta & { durationSeconds?: number }, action: 'credentials' | 'console'): Promise<TemporaryCredentials> {
    const durationSeconds = durationFor(grant, meta.durationSeconds);
    const event: AuditEvent = {
      event: action,
      result: 'requested',
      connector: identity.connector,
      subject: identity.subject,
      email: identity.email,
      roleArn: grant.roleArn,
      accountId: grant.accountId,
      sessionName: sanitiseSessionName(identity.email),
      sourceIdentity: sanitiseSourceIdentity(grant.sourceIdentity ?? identity.email),
      ...(grant.sessionTags?.length && { sessionTags: Object.fromEntries(grant.sessionTags.map((t) => [t.key, t.value])) }),
      sessionDuration: durationSeconds,
      rule: grant.rule,
      via: meta.via,
      ip: meta.ip,
      userAgent: meta.userAgent,
      ...(meta.requestId !== undefined && { requestId: meta.requestId }),
    };
    try {
      const { xml, signed } = mintForAws(identity, grant, deps.idp, deps.clock.now(), { sessionTags: grant.sessionTags ?? [] });
      // From here on the audit line names exactly what AWS is shown.
      event.mintedId = signed.assertionId;
      event.sessionName = signed.sessionName;
      if (signed.sourceIdentity === undefined) delete event.sourceIdentity;
      else event.sourceIdentity = signed.sourceIdentity;
      const assumed = await deps.metrics.timeUpstream('sts', () => assumeRoleWithSaml({
        roleArn: grant.roleArn,
        providerArn: grant.providerArn,
        samlAssertionBase64: encodeForSts(xml),
        durationSeconds,
      }, deps.sts));
      // Written before the credentials leave the broker.
      deps.audit.record({ ...event, result: 'issued', accessKeyId: assumed.accessKeyId });
      deps.metrics.issuance(action, grant.accountId, meta.via, 'issued');
      return assumed;
    } catch (e) {
      deps.audit.record({ ...event, result: 'refused', error: isHatrackError(e) ? e.code : 'internal' });
      deps.metrics.issuance(action, grant.accountId, meta.via, 'refused');
      throw e;
    }
  }

  return {
    grants,
    picker(identity) {
      const result = mapRoles(identity, deps.rules);
      const waiting = result.trace.filter((t) => t.outcome === 'mfa-required');
      const rolesOf = (index: number) => deps.rules.rules.find((r) => r.index === index)?.roles.length ?? 1;
      return { grants: result.grants, moreWithMfa: waiting.reduce((n, t) => n + rolesOf(t.rule), 0) };
    },
    requireGrant(identity, roleArn) {
      const grant = typeof roleArn === 'string' ? grants(identity).find((g) => g.roleArn === roleArn) : undefined;
      if (!grant) throw fail.forbidden('role_not_granted', 'You are not allowed to wear that role.', `role ${JSON.stringify(String(roleArn).slice(0, 200))}`);
      return grant;
    },
    credentials: (identity, grant, meta) => credentials(identity, grant, meta, 'credentials'),
    async consoleUrl(identity, grant, meta) {
      const destination = checkedDestination(meta.destination, defaultDestination(grant, meta.region), deps.console.destination);
      const creds = await credentials(identity, grant, meta, 'console');
      return deps.metrics.timeUpstream('federation', () => consoleSigninUrl(creds, {
        federationEndpoint: deps.console.federationEndpoint,
        issuerUrl: deps.console.issuerUrl,
        destination,
      }));
    },
  };
}
