// The STS Query API (`Action=…&Version=2011-06-15`): AssumeRoleWithSAML needs no credentials;
// GetCallerIdentity needs a valid SigV4 signature made with credentials the stand-in issued.
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import { StandinError } from './errors.ts';
import { assumeRoleWithSaml, type AssumeRoleWithSamlParams } from './assume-role-with-saml.ts';
import { sameSecret, type CredentialRegistry, type ReplayCache } from './credentials.ts';
import type { IamDirectory } from './iam.ts';
import { headerValues, parseAuthorization, verifySigV4, type SignedRequest } from './sigv4.ts';
import { assumeRoleWithSamlXml, getCallerIdentityXml } from './xml-responses.ts';

export const STS_VERSION = '2011-06-15';

export interface StsContext {
  clock: Clock;
  region: string;
  iam: IamDirectory;
  credentials: CredentialRegistry;
  replay: ReplayCache;
  acceptedRecipients: readonly string[];
  acceptedAudiences: readonly string[];
  skewMs: number;
  /** Keys live at most this long, whatever DurationSeconds asks (see AwsStandinOptions). */
  maxCredentialSeconds?: number;
  log: Logger;
}

function samlParams(params: URLSearchParams): AssumeRoleWithSamlParams {
  const policyArns: string[] = [];
  for (let i = 1; params.has(`PolicyArns.member.${i}.arn`); i++) policyArns.push(params.get(`PolicyArns.member.${i}.arn`)!);
  return {
    RoleArn: params.get('RoleArn') ?? undefined,
    PrincipalArn: params.get('PrincipalArn') ?? undefined,
    SAMLAssertion: params.get('SAMLAssertion') ?? undefined,
    DurationSeconds: params.get('DurationSeconds') ?? undefined,
    Policy: params.get('Policy') ?? undefined,
    PolicyArns: policyArns,
  };
}

function assumeRole(params: URLSearchParams, ctx: StsContext, requestId: string): string {
  const session = assumeRoleWithSaml(samlParams(params), {
    now: ctx.clock.now(),
    iam: ctx.iam,
    replay: ctx.replay,
    acceptedRecipients: ctx.acceptedRecipients,
    acceptedAudiences: ctx.acceptedAudiences,
    skewMs: ctx.skewMs,
  });
  const cap = ctx.maxCredentialSeconds === undefined ? undefined : new Date(ctx.clock.now().getTime() + ctx.maxCredentialSeconds * 1000);
  const creds = ctx.credentials.issue(session, cap && cap < session.expiration ? cap : session.expiration);
  ctx.log.info('aws stand-in issued credentials', {
    action: 'AssumeRoleWithSAML',
    role: session.roleArn,
    sessionName: session.sessionName,
    accessKeyId: creds.accessKeyId,
    expiration: creds.expiration.toISOString(),
    requestId,
  });
  return assumeRoleWithSamlXml(session, creds, requestId);
}

const invalidToken = () => new StandinError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.');

function callerIdentity(req: SignedRequest, ctx: StsContext, requestId: string): string {
  const auth = parseAuthorization(req);
  if (!auth) throw new StandinError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
  const creds = ctx.credentials.find(auth.accessKeyId);
  if (!creds) throw invalidToken();
  verifySigV4(req, auth, creds.secretAccessKey, { region: ctx.region, service: 'sts', now: ctx.clock.now() });
  const token = headerValues(req, 'x-amz-security-token')[0];
  if (token === undefined || !sameSecret(token, creds.sessionToken)) throw invalidToken();
  if (ctx.credentials.isExpired(creds)) throw new StandinError('ExpiredToken', 400, 'The security token included in the request is expired');
  ctx.log.info('aws stand-in answered GetCallerIdentity', { accessKeyId: creds.accessKeyId, requestId });
  return getCallerIdentityXml(creds, requestId);
}

/** Answers one Query API call with STS's XML, or throws a StandinError. */
export function handleStsAction(req: SignedRequest, params: URLSearchParams, ctx: StsContext, requestId: string): string {
  const action = params.get('Action');
  if (!action) throw new StandinError('MissingAction', 400, 'Missing Action');
  const version = params.get('Version');
  if (version !== null && version !== STS_VERSION) {
    throw new StandinError('InvalidAction', 400, `Could not find operation ${action} for version ${version}`);
  }
  switch (action) {
    case 'AssumeRoleWithSAML':
      return assumeRole(params, ctx, requestId);
    case 'GetCallerIdentity':
      return callerIdentity(req, ctx, requestId);
    default:
      throw new StandinError('InvalidAction', 400, `Could not find operation ${action} for version ${STS_VERSION}`);
  }
}
