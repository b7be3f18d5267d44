// The admin pages, for the people named in `admin.groups`: what the audit trail says — who wore
// which role, where, and how to find each session in CloudTrail — and who may wear what. Read-only GETs: nothing here
// changes state, so there is nothing to forge; no credential is ever on them (the audit trail
// holds none). An admin signs in like anyone else; where the connector can prove a second factor,
// the sign-in must have used one (`admin.requireMfa`).
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AUDIT_STREAM_KEY } from '../audit/audit.ts';
import { fail } from '../errors.ts';
import { fromStored, type StoredIdentity } from '../stored-identity.ts';
import type { Identity } from '../identity.ts';
import { mapRoles } from '../mapping/map-roles.ts';
import type { RuleSet } from '../mapping/rules.ts';
import type { MappingResult } from '../mapping/types.ts';
import type { LogEntry, Store } from '../store/store.ts';
import { csrfToken } from './csrf.ts';
import type { Renderer } from './render.ts';

export interface AdminRouteDeps {
  groups: readonly string[];
  /** The current rules: the access page computes who may wear what from them, now. */
  rules: RuleSet;
  connectorIds: readonly string[];
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
/** How often the newest page of the activity table fetches itself again. */
const LIVE_REFRESH_MS = 5000;
const WINDOW = 500;

type Event = Record<string, unknown> & { id: string };

/** Whether `who` may open the admin pages now, and if not, why. */
export function adminVerdict(deps: Pick<AdminRouteDeps, 'groups' | 'requireMfa' | 'provesMfa'>, who: StoredIdentity): 'ok' | 'not-admin' | 'needs-mfa' {
  if (!who.groups.some((g) => deps.groups.includes(g))) return 'not-admin';
  if (deps.requireMfa && deps.provesMfa(who.connector) && !who.mfa) return 'needs-mfa';
  return 'ok';
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The audit stream's entries as events, newest first; an entry that is not JSON is skipped. */
function parsed(entries: readonly LogEntry[]): Array<{ id: string; e: Record<string, unknown> }> {
  return entries.flatMap(({ id, entry }) => {
    try {
      return [{ id, e: JSON.parse(entry) as Record<string, unknown> }];
    } catch {
      return [];
    }
  });
}

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();

  router.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    const who = req.session.identity;
    if (!who) return next(fail.unauthenticated('signed_out', 'You are not signed in (or your session has ended). Please sign in again.'));
    const verdict = adminVerdict(deps, who);
    if (verdict === 'not-admin') return next(fail.forbidden('admin_only', 'Only administrators may open this page.'));
    if (verdict === 'needs-mfa') return next(fail.forbidden('admin_mfa_required', 'Administrators open this page after signing in with multi-factor authentication.'));
    next();
  });

  router.get('/admin/activity', async (req, res) => {
    const filters = { person: text(req.query.person).trim().toLowerCase(), account: text(req.query.account).trim(), role: text(req.query.role).trim() };
    const before = /^\d{1,19}-\d{1,19}$/.test(text(req.query.before)) ? text(req.query.before) : undefined;
    const read = await deps.store.readLatest(AUDIT_STREAM_KEY, WINDOW, before);
    const events: Event[] = [];
    for (const { id, e } of parsed(read)) {
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
      // The newest page follows the trail as it grows (hatrack.js reloads its rows every few seconds).
      live: before === undefined ? LIVE_REFRESH_MS : undefined,
    }));
  });

  // Who may wear what, now: the people seen signing in lately (as their connector verified them)
  // × the roles the current rules give any of them, each cell the rule that grants (or denies)
  // it; and the explanation for any person and groups typed in, as `hatrack explain` gives it.
  router.get('/admin/access', async (req, res) => {
    const people = new Map<string, Identity>();
    for (const { e } of parsed(await deps.store.readLatest(AUDIT_STREAM_KEY, WINDOW))) {
      const key = `${text(e.connector)}\n${text(e.subject)}`;
      if (e.event !== 'sign-in' || people.has(key) || people.size === PAGE || !Array.isArray(e.groups)) continue;
      people.set(key, {
        connector: text(e.connector), subject: text(e.subject), email: text(e.email), emailVerified: e.emailVerified === true,
        groups: e.groups.filter((g): g is string => typeof g === 'string'), mfa: e.mfa === true, claims: {},
      });
    }
    const rows = [...people.values()].map((identity) => ({ identity, cells: cellsOf(mapRoles(identity, deps.rules)) }));
    const roles = [...new Set(rows.flatMap((r) => [...r.cells.keys()]))].sort();

    const asked = text(req.query.email).trim();
    const explained = asked === '' ? undefined : mapRoles({
      connector: deps.connectorIds.includes(text(req.query.connector)) ? text(req.query.connector) : deps.connectorIds[0] ?? '',
      subject: asked, email: asked, emailVerified: req.query.verified === '1',
      groups: text(req.query.groups).split(',').map((g) => g.trim()).filter(Boolean).slice(0, 100), mfa: req.query.mfa === '1', claims: {},
    }, deps.rules);
    res.send(deps.render('admin-access.njk', {
      title: 'Who may wear what', base: deps.base, user: fromStored(req.session.identity!), csrf: csrfToken(req),
      roles, rows: rows.map((r) => ({ identity: r.identity, cells: roles.map((arn) => r.cells.get(arn)) })),
      connectors: deps.connectorIds, query: { email: asked, groups: text(req.query.groups), connector: text(req.query.connector), mfa: req.query.mfa === '1', verified: req.query.verified === '1' },
      explained,
    }));
  });

  return router;
}

/** Per role: the rule that grants it (`roles[i]`), or the deny rule that takes it away. */
function cellsOf(result: MappingResult): Map<string, string> {
  const cells = new Map<string, string>();
  for (const t of result.trace) {
    if (!t.roleArn) continue;
    if (t.outcome === 'granted') cells.set(t.roleArn, `roles[${t.rule}]`);
    if (t.outcome === 'denied' && !cells.has(t.roleArn)) cells.set(t.roleArn, `denied (${t.reason.split('denied by ')[1] ?? 'a deny rule'})`);
  }
  return cells;
}

/** CloudTrail's event history for the session an issuance started: its access key id (what CloudTrail records). */
function cloudTrailLink(e: Record<string, unknown>, region: string): string | undefined {
  const key = text(e.accessKeyId);
  if (!/^[A-Z0-9]{16,128}$/.test(key)) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events?AccessKeyId=${key}`;
}
