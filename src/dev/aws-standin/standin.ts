// createAwsStandin: the offline AWS (AWS.md §5). Holds the IAM facts it is told (SAML providers,
// roles), issues and remembers credentials, and serves STS and the federation endpoint over HTTP,
// either on its own port (`listen`) or mounted in-process (`handler`).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../clock.ts';
import { createLogger, type Logger } from '../../log.ts';
import { AWS_AUDIENCES } from './assume-role-with-saml.ts';
import { CredentialRegistry, ReplayCache } from './credentials.ts';
import { FederationStore } from './federation.ts';
import { IamDirectory, accountOfArn, type RoleOptions } from './iam.ts';
import { createRouter, type RequestListener } from './router.ts';

export interface AwsStandinOptions {
  /** Time for every check and expiry; default the system clock. */
  clock?: Clock;
  /** The region STS pretends to be in (SigV4 scope, regional sign-in endpoint); default us-east-1. */
  region?: string;
  /** Allowed Recipient/Destination values; default the global and this region's sign-in endpoint (see defaultRecipients). */
  acceptedRecipients?: string[];
  /** Allowed Audience values; default `https://signin.aws.amazon.com/saml`, `urn:amazon:webservices` and this region's endpoint (see defaultAudiences). */
  acceptedAudiences?: string[];
  /** The account an IAM ARN belongs to; default its fifth field. */
  accountIdFor?: (arn: string) => string;
  log?: Logger;
  /** Tolerated clock skew on assertion times; default 300 s. */
  clockSkewSeconds?: number;
  /**
   * Keys live at most this long, whatever DurationSeconds asks. Real STS never issues keys for
   * under 900 s; tests set this to reach a key's expiry (and a client's refresh) in seconds.
   */
  maxCredentialSeconds?: number;
}

export interface RegisteredProvider {
  arn: string;
  entityId: string;
  certificateCount: number;
}

export interface RegisteredRole {
  arn: string;
  roleId: string;
  account: string;
  maxSessionDuration: number;
}

export interface AwsStandin {
  /** A node request listener, to mount the stand-in in-process. */
  readonly handler: RequestListener;
  readonly region: string;
  /** Like `aws iam create-saml-provider` (or update, when the ARN is known); throws StandinError InvalidInput on bad metadata. */
  registerSamlProvider(providerArn: string, metadataXml: string): RegisteredProvider;
  registerRole(roleArn: string, options?: RoleOptions): RegisteredRole;
  /** Listens on `host:port` (port 0 picks a free one); resolves with the base URL, e.g. `http://127.0.0.1:41234`. */
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
}

/** The SAML sign-in endpoints of the region's partition (AWS.md §1): Recipient and Destination. */
export function defaultRecipients(region: string): string[] {
  if (region.startsWith('cn-')) return ['https://signin.amazonaws.cn/saml'];
  if (region.startsWith('us-gov-')) return ['https://signin.amazonaws-us-gov.com/saml'];
  return ['https://signin.aws.amazon.com/saml', `https://${region}.signin.aws.amazon.com/saml`];
}

/** Audiences AWS accepts in the region's partition. */
export function defaultAudiences(region: string): string[] {
  if (region.startsWith('cn-')) return ['https://signin.amazonaws.cn/saml', 'urn:amazon:webservices:cn-north-1'];
  if (region.startsWith('us-gov-')) return ['https://signin.amazonaws-us-gov.com/saml', 'urn:amazon:webservices:govcloud'];
  return [...AWS_AUDIENCES, `https://${region}.signin.aws.amazon.com/saml`];
}

export function createAwsStandin(options: AwsStandinOptions = {}): AwsStandin {
  const clock = options.clock ?? systemClock;
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? createLogger({ level: 'warn', base: { component: 'aws-standin' } });
  const iam = new IamDirectory(options.accountIdFor ?? accountOfArn);
  const acceptedRecipients = options.acceptedRecipients ?? defaultRecipients(region);
  const acceptedAudiences = options.acceptedAudiences ?? defaultAudiences(region);

  const handler = createRouter({
    clock,
    region,
    iam,
    credentials: new CredentialRegistry(clock),
    replay: new ReplayCache(clock),
    store: new FederationStore(clock),
    acceptedRecipients,
    acceptedAudiences,
    skewMs: (options.clockSkewSeconds ?? 300) * 1000,
    ...(options.maxCredentialSeconds !== undefined && { maxCredentialSeconds: options.maxCredentialSeconds }),
    log,
  });

  let server: Server | undefined;

  return {
    handler,
    region,
    registerSamlProvider(providerArn, metadataXml) {
      const p = iam.registerSamlProvider(providerArn, metadataXml);
      return { arn: p.arn, entityId: p.entityId, certificateCount: p.certificates.length };
    },
    registerRole(roleArn, roleOptions) {
      const r = iam.registerRole(roleArn, roleOptions);
      return { arn: r.arn, roleId: r.roleId, account: r.account, maxSessionDuration: r.maxSessionDuration };
    },
    listen(port = 0, host = '127.0.0.1') {
      if (server) return Promise.reject(new Error('the AWS stand-in is already listening'));
      const s = createServer(handler);
      server = s;
      return new Promise((resolve, reject) => {
        const onError = (e: Error) => {
          server = undefined;
          reject(e);
        };
        s.once('error', onError);
        s.listen(port, host, () => {
          s.off('error', onError);
          const address = s.address() as AddressInfo;
          const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${h}:${address.port}` });
        });
      });
    },
    close() {
      const s = server;
      server = undefined;
      if (!s) return Promise.resolve();
      return new Promise((resolve, reject) => {
        s.close((e) => (e ? reject(e) : resolve()));
        s.closeAllConnections();
      });
    },
  };
}
