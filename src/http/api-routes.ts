// The bearer-token API the `hatrack` CLI calls once logged in. Every call re-derives the person's
// grants from the identity stored with the token and the current rules (W6), so a rule change
// applies at the next call. Tokens are bearer credentials sent by the CLI, not ambient browser
// state, so these routes need no CSRF token; they answer JSON only.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AmbiguousRoleError, grantNamed, shortRoleName } from '../broker/role-names.ts';
import type { HatRack, RequestMeta } from '../broker/types.ts';
import type { Clock } from '../clock.ts';
import { credentialProcessJson } from '../aws/credentials-format.ts';
import { isRegionName } from '../aws/partition.ts';
import type { BrokerTokens, TokenHolder } from '../device/broker-tokens.ts';
import { fail, isHatrackError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { rateLimit } from './rate-limit.ts';
import { requestMeta, who } from './request-meta.ts';
import type { AuditLog } from '../audit/audit.ts';

export interface ApiRouteDeps {
  audit: AuditLog;
  hats: HatRack;
  tokens: BrokerTokens;
  store: Store;
  region: string;
  clock: Clock;
}

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  if (!header || header.length > 200) return undefined;
  const [scheme, token, extra] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && extra === undefined ? token : undefined;
}

function holder(res: Response): TokenHolder {
  return res.locals.holder as TokenHolder;
}

function meta(req: Request): RequestMeta {
  return requestMeta(req, 'cli');
}

const optionalString = (v: unknown, name: string): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw fail.badRequest('bad_request', `${name} must be a string.`);
  return v;
};

export function apiRoutes(deps: ApiRouteDeps): Router {
  const router = Router();

  // RFC 6750 §3: a missing or dead token is 401 with a WWW-Authenticate challenge.
  router.use('/api', async (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    res.locals.json = true;
    try {
      const holder: TokenHolder = await deps.tokens.verify(bearer(req));
      res.locals.holder = holder;
      deps.audit.record({ event: 'token-used', result: 'ok', ...who(holder.identity), ...requestMeta(req, 'cli') });
      next();
    } catch (e) {
      // RFC 6750 §3.1: a request without any token gets the bare challenge, a bad token the error.
      if (isHatrackError(e) && e.code === 'invalid_token') {
        res.set('WWW-Authenticate', bearer(req) === undefined ? 'Bearer realm="hatrack"' : 'Bearer realm="hatrack", error="invalid_token"');
      }
      next(e);
    }
  });
  router.use('/api', rateLimit(deps.store, deps.clock, {
    bucket: 'api', limit: 120, windowMs: 60_000,
    key: (req) => {
      const { identity } = holder(req.res!);
      return `subject:${identity.connector}:${identity.subject}`;
    },
  }));

  const grantFor = (res: Response, name: unknown) => grantNamed(deps.hats.grants(holder(res).identity), name);

  router.get('/api/roles', (req, res) => {
    const { identity, expiresAt } = holder(res);
    const grants = deps.hats.grants(identity);
    deps.audit.record({ event: 'grants-shown', result: 'ok', ...who(identity), grants: grants.length, ...requestMeta(req, 'cli') });
    res.json({
      email: identity.email,
      region: deps.region,
      loginExpiresAt: expiresAt.toISOString(),
      roles: grants.map((g) => ({
        arn: g.roleArn,
        name: shortRoleName(g),
        accountId: g.accountId,
        ...(g.accountAlias !== undefined && { accountAlias: g.accountAlias }),
        roleName: g.roleName,
        sessionDuration: g.sessionDuration,
      })),
    });
  });

  router.post('/api/credentials', async (req, res) => {
    const grant = grantFor(res, req.body?.role);
    const duration = req.body?.duration;
    if (duration !== undefined && typeof duration !== 'number') throw fail.badRequest('invalid_duration', 'duration must be a number of seconds.');
    const { identity, expiresAt } = holder(res);
    // Keys outlive the CLI login that fetched them by at most AWS's minimum of 15 minutes: they
    // last what was asked (or the rule's duration), cut to what is left of the login.
    const loginLeft = Math.max(900, Math.floor((expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
    const durationSeconds = Math.min(duration ?? grant.sessionDuration, loginLeft);
    const creds = await deps.hats.credentials(identity, grant, { ...meta(req), durationSeconds });
    // AWS.md §4: exactly the credential_process document.
    res.type('json').send(credentialProcessJson(creds));
  });

  router.post('/api/console', async (req, res) => {
    const grant = grantFor(res, req.body?.role);
    const destination = optionalString(req.body?.destination, 'destination');
    const region = optionalString(req.body?.region, 'region');
    if (region !== undefined && !isRegionName(region)) throw fail.badRequest('invalid_region', 'That is not an AWS region name such as eu-west-1.');
    const url = await deps.hats.consoleUrl(holder(res).identity, grant, { ...meta(req), destination, region });
    res.json({ url });
  });

  // An ambiguous name answers with the candidates, so the CLI can list them.
  router.use('/api', (e: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!(e instanceof AmbiguousRoleError)) return next(e);
    res.status(409).json({ error: e.code, message: e.message, candidates: e.candidates });
  });

  return router;
}
