// The admin pages: what the audit trail says, for the people named in `admin.groups` — who wore
// which role, where, and how to find each session in CloudTrail. Read-only GETs: nothing here
// changes state, so there is nothing to forge; no credential is ever on them (the audit trail
// holds none). An admin signs in like anyone else; where the connector can prove a second factor,
// the sign-in must have used one (`admin.requireMfa`).
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AUDIT_STREAM_KEY } from '../audit/audit.ts';
import { fail } from '../errors.ts';
import { fromStored, type StoredIdentity } from '../stored-identity.ts';
import type { Store } from '../store/store.ts';
import { csrfToken } from './csrf.ts';
import type { Renderer } from './render.ts';

export interface AdminRouteDeps {
  groups: readonly string[];
  requireMfa: boolean;
  /** Whether a connector's sign-ins say if a second factor was used (OIDC, SAML, a passport source that proves it). */
  provesMfa: (connectorId: string) => boolean;
  store: Store;
  render: Renderer;
  base: string;
  region: string;
}

/** How many events a page shows, and how many are read to fill it when filtered. */
const PAGE = 50;
const WINDOW = 500;

type Event = Record<string, unknown> & { id: string };

function isAdmin(deps: AdminRouteDeps, who: StoredIdentity): 'ok' | 'not-admin' | 'needs-mfa' {
  if (!who.groups.some((g) => deps.groups.includes(g))) return 'not-admin';
  if (deps.requireMfa && deps.provesMfa(who.connector) && !who.mfa) return 'needs-mfa';
  return 'ok';
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();

  router.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    const who = req.session.identity;
    if (!who) return next(fail.unauthenticated('signed_out', 'You are not signed in (or your session has ended). Please sign in again.'));
    const verdict = isAdmin(deps, who);
    if (verdict === 'not-admin') return next(fail.forbidden('admin_only', 'Only administrators may open this page.'));
    if (verdict === 'needs-mfa') return next(fail.forbidden('admin_mfa_required', 'Administrators open this page after signing in with multi-factor authentication.'));
    next();
  });

  router.get('/admin/activity', async (req, res) => {
    const filters = { person: text(req.query.person).trim().toLowerCase(), account: text(req.query.account).trim(), role: text(req.query.role).trim() };
    const before = /^\d{1,19}-\d{1,19}$/.test(text(req.query.before)) ? text(req.query.before) : undefined;
    const read = await deps.store.readLatest(AUDIT_STREAM_KEY, WINDOW, before);
    const events: Event[] = [];
    for (const { id, entry } of read) {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(entry) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (filters.person && !text(e.email).toLowerCase().includes(filters.person) && !text(e.subject).toLowerCase().includes(filters.person)) continue;
      if (filters.account && text(e.accountId) !== filters.account) continue;
      if (filters.role && !text(e.roleArn).includes(filters.role)) continue;
      events.push({ ...e, id });
      if (events.length === PAGE) break;
    }
    // Older events: from the last one shown, or past the window read when it held no match.
    const last = events.length === PAGE ? events.at(-1)!.id : read.length === WINDOW ? read.at(-1)!.id : undefined;
    const query = (b: string) => new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), before: b }).toString();
    res.send(deps.render('admin-activity.njk', {
      title: 'Activity', base: deps.base, user: fromStored(req.session.identity!), csrf: csrfToken(req),
      filters, events: events.map((e) => ({ ...e, cloudTrail: cloudTrailLink(e, deps.region) })),
      older: last === undefined ? undefined : `${deps.base}/admin/activity?${query(last)}`,
    }));
  });

  return router;
}

/** CloudTrail's event history for the session an issuance started: its access key id (what CloudTrail records). */
function cloudTrailLink(e: Record<string, unknown>, region: string): string | undefined {
  const key = text(e.accessKeyId);
  if (!/^[A-Z0-9]{16,128}$/.test(key)) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events?AccessKeyId=${key}`;
}
