// The signed-in side: the role picker, and the two ways to wear a role (console, keys), and
// bookmarkable role links. Entitlements are re-derived from the verified identity on every
// request (W6); a GET assumes a role only from a link the person opened themselves (W5).
import { Router, type Request } from 'express';
import type { HatRack, RequestMeta } from '../broker/types.ts';
import type { Identity } from '../identity.ts';
import type { Grant } from '../mapping/types.ts';
import { fail } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { credentialsViews } from '../aws/credentials-format.ts';
import { isRegionName, partitionOfRegion } from '../aws/partition.ts';
import { readPreferences, rememberRegion, rememberRole } from './preferences.ts';
import { consoleRegions } from './regions.ts';
import { csrfToken, requireCsrf } from './csrf.ts';
import { fromStored, type StoredIdentity } from '../stored-identity.ts';
import type { Renderer } from './render.ts';
import { clientAddressKey, rateLimit } from './rate-limit.ts';
import { wantsJson } from './errors.ts';
import type { Clock } from '../clock.ts';
import type { LoginChoice } from './password-routes.ts';
import { requestMeta, who } from './request-meta.ts';
import type { AuditLog } from '../audit/audit.ts';
import { safeReturnTo } from './return-to.ts';
import { randomBytes } from 'node:crypto';

export interface RoleRouteDeps {
  audit: AuditLog;
  hats: HatRack;
  store: Store;
  /** Whether a signed-in person may open the admin pages (the picker links to them). */
  isAdmin: (who: StoredIdentity) => boolean;
  render: Renderer;
  /** The sign-in methods the login page offers. */
  loginChoices: readonly LoginChoice[];
  base: string;
  publicOrigin: string;
  region: string;
  clock: Clock;
}

function signedIn(req: Request): Identity {
  const stored = req.session.identity;
  if (!stored) throw fail.unauthenticated('signed_out', 'You are not signed in (or your session has ended). Please sign in again.');
  return fromStored(stored);
}

function meta(req: Request): RequestMeta {
  return requestMeta(req, 'browser');
}

function hours(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

/** A keys page waiting for its GET: what it shows, and the session it is for. */
interface KeysPage {
  sid: string;
  roleArn: string;
  expiration: string;
  envBlock: string;
  fileBlock: string;
  jsonBlock: string;
}

const KEYS_PAGE_TTL_MS = 60_000;
const keysPageKey = (ticket: string) => `keys-page:${ticket}`;

/** The bookmarkable path of a grant: `/r/<account alias or id>/<role name>` (role names are unique in an account). */
function roleLinkPath(g: Grant): string {
  return `/r/${encodeURIComponent(g.accountAlias ?? g.accountId)}/${encodeURIComponent(g.roleName)}`;
}

/** Grants grouped by account, in the order given (an account where its first grant is), for the picker. */
function byAccount(grants: Grant[]) {
  const accounts = new Map<string, { id: string; alias?: string; filterText: string; grants: object[] }>();
  for (const g of grants) {
    let a = accounts.get(g.accountId);
    if (!a) accounts.set(g.accountId, (a = { id: g.accountId, alias: g.accountAlias, filterText: `${g.accountAlias ?? ''} ${g.accountId}`, grants: [] }));
    a.grants.push({ ...g, hours: hours(g.sessionDuration), filterText: `${g.roleName} ${g.roleArn}`, link: roleLinkPath(g) });
  }
  return [...accounts.values()];
}

export function roleRoutes(deps: RoleRouteDeps): Router {
  const router = Router();
  const csrf = requireCsrf(deps.publicOrigin);
  // Counted per signed-in person, so people behind one address do not share a budget.
  const roleLimit = rateLimit(deps.store, deps.clock, {
    bucket: 'role', limit: 60, windowMs: 60_000,
    key: (req) => req.session.identity ? `subject:${req.session.identity.connector}:${req.session.identity.subject}` : clientAddressKey(req),
  });

  router.get('/', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const stored = req.session.identity;
    if (!stored) {
      // A bookmarked role link of a signed-out person comes back here first, to sign in and go on.
      res.send(deps.render('login.njk', { title: 'Sign in', base: deps.base, connectors: deps.loginChoices, returnTo: safeReturnTo(req.query.returnTo) }));
      return;
    }
    const identity = fromStored(stored);
    const { grants, moreWithMfa } = deps.hats.picker(identity);
    deps.audit.record({ event: 'grants-shown', result: 'ok', ...who(identity), grants: grants.length, ...requestMeta(req, 'browser') });
    const prefs = await readPreferences(deps.store, identity);
    // The roles worn last come first, and so does the account of the role worn last.
    const rank = (g: Grant) => { const i = prefs.recent.indexOf(g.roleArn); return i < 0 ? prefs.recent.length : i; };
    const ordered = grants.map((g, i) => ({ g, i })).sort((a, b) => rank(a.g) - rank(b.g) || a.i - b.i).map(({ g }) => g);
    res.send(deps.render(grants.length === 0 ? 'no-roles.njk' : 'roles.njk', {
      title: grants.length === 0 ? 'No AWS role for you yet' : 'Pick a role',
      base: deps.base,
      user: identity,
      csrf: csrfToken(req),
      accounts: byAccount(ordered),
      moreWithMfa,
      admin: deps.isAdmin(stored),
      region: prefs.region ?? deps.region,
      regions: consoleRegions(deps.region),
    }));
  });

  // The console region a person picks, remembered for their next sessions.
  router.post('/preferences/region', roleLimit, csrf, async (req, res) => {
    const identity = signedIn(req);
    const region = typeof req.body?.region === 'string' ? req.body.region.trim() : '';
    if (!isRegionName(region) || partitionOfRegion(region) !== partitionOfRegion(deps.region)) {
      throw fail.badRequest('invalid_region', 'That is not an AWS region name of this installation\'s partition, such as eu-west-1.');
    }
    await rememberRegion(deps.store, identity, region === deps.region ? undefined : region);
    res.redirect(303, `${deps.base}/`);
  });

  // A bookmarkable link to a role's console. A GET assumes a role only when the browser says the
  // person navigated there themselves — a bookmark or a typed URL, `Sec-Fetch-Site: none`, which
  // no other site can make a browser send; any other request (a link on another site, an old
  // browser that sends no such header) gets a one-click confirmation, a CSRF-protected POST (W5).
  router.get('/r/:account/:role', roleLimit, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    // Only an account alias or id and an IAM role name can name a role: anything else is refused
    // before it is looked up or put into a redirect.
    const account = String(req.params.account);
    const role = String(req.params.role);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(account) || !/^[\w+=,.@-]{1,64}$/.test(role)) throw fail.notFound('not_found', 'There is nothing at this address.');
    const here = `/r/${account}/${role}`;
    if (!req.session.identity) {
      res.redirect(303, `${deps.base}/?returnTo=${encodeURIComponent(here)}`);
      return;
    }
    const identity = signedIn(req);
    const grant = deps.hats.grants(identity).find((g) => (g.accountAlias === account || g.accountId === account) && g.roleName === role);
    if (!grant) throw fail.forbidden('role_not_granted', 'You are not allowed to wear that role.', `role link ${JSON.stringify(here.slice(0, 200))}`);
    if (req.get('sec-fetch-site') === 'none') {
      const url = await deps.hats.consoleUrl(identity, grant, meta(req));
      res.redirect(303, url);
      return;
    }
    res.send(deps.render('role-link.njk', {
      title: `Open ${grant.roleName}`, base: deps.base, user: identity, csrf: csrfToken(req), grant, link: roleLinkPath(grant),
    }));
  });

  router.post('/aws/console', roleLimit, csrf, async (req, res) => {
    const identity = signedIn(req);
    const grant = deps.hats.requireGrant(identity, req.body?.role);
    const destination = typeof req.body?.destination === 'string' && req.body.destination ? req.body.destination : undefined;
    const asked = typeof req.body?.region === 'string' && req.body.region ? req.body.region : undefined;
    if (asked !== undefined && !isRegionName(asked)) {
      throw fail.badRequest('invalid_region', 'That is not an AWS region name such as eu-west-1.');
    }
    // The region asked for, else the one the person picked before.
    const region = asked ?? (await readPreferences(deps.store, identity)).region;
    const url = await deps.hats.consoleUrl(identity, grant, { ...meta(req), destination, region });
    // Best effort: the roles worn last only order the picker.
    await rememberRole(deps.store, identity, grant.roleArn).catch(() => undefined);
    // The sign-in URL is a bearer secret: delivered by redirect only, never rendered or logged.
    res.set('Cache-Control', 'no-store').redirect(303, url);
  });

  router.post('/aws/credentials', roleLimit, csrf, async (req, res) => {
    const identity = signedIn(req);
    const grant = deps.hats.requireGrant(identity, req.body?.role);
    const creds = await deps.hats.credentials(identity, grant, meta(req));
    // Best effort: the roles worn last only order the picker.
    await rememberRole(deps.store, identity, grant.roleArn).catch(() => undefined);
    res.set('Cache-Control', 'no-store');
    // One profile per account and role, so blocks for several roles can sit in one file.
    const views = credentialsViews(creds, { region: deps.region, profile: `${grant.accountAlias ?? grant.accountId}-${grant.roleName}` });
    if (wantsJson(req)) {
      res.type('json').send(views.credentialProcessJson);
      return;
    }
    // POST-redirect-GET, so that back and forward never resubmit the form: the page's content waits
    // in the store for a minute under a one-time ticket bound to this session; the keys are in no
    // URL and no log, and the page is shown once.
    const ticket = randomBytes(24).toString('base64url');
    const page: KeysPage = {
      sid: req.sessionID, roleArn: grant.roleArn, expiration: creds.expiration.toISOString(),
      envBlock: views.envExports, fileBlock: views.credentialsFile, jsonBlock: views.credentialProcessJson,
    };
    await deps.store.set(keysPageKey(ticket), JSON.stringify(page), KEYS_PAGE_TTL_MS);
    res.redirect(303, `${deps.base}/aws/keys?ticket=${ticket}`);
  });

  router.get('/aws/keys', roleLimit, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const identity = signedIn(req);
    const ticket = typeof req.query.ticket === 'string' && /^[A-Za-z0-9_-]{32}$/.test(req.query.ticket) ? req.query.ticket : undefined;
    const raw = ticket === undefined ? undefined : await deps.store.consume(keysPageKey(ticket));
    const page = raw === undefined ? undefined : JSON.parse(raw) as KeysPage;
    // Shown once, and only in the browser that asked for them (C4).
    if (!page || page.sid !== req.sessionID) {
      res.status(410).send(deps.render('keys-gone.njk', { title: 'Keys shown once', base: deps.base, user: identity, csrf: csrfToken(req) }));
      return;
    }
    const expiration = new Date(page.expiration);
    res.send(deps.render('keys.njk', {
      title: 'Temporary keys',
      base: deps.base,
      user: identity,
      csrf: csrfToken(req),
      roleArn: page.roleArn,
      expiration: page.expiration,
      expirationText: expiration.toUTCString(),
      envBlock: page.envBlock,
      fileBlock: page.fileBlock,
      jsonBlock: page.jsonBlock,
    }));
  });

  return router;
}
