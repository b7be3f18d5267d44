// What Hatrack remembers of a person between sign-ins, in the shared store: the console region
// they picked, and the roles they wore last (newest first), so the picker can offer those first.
// Keyed by connector and subject; nothing secret, and it expires when unused.
import type { Store } from '../store/store.ts';

export interface Preferences {
  region?: string;
  /** Role ARNs, most recently worn first. */
  recent: string[];
}

const TTL_MS = 180 * 86_400_000;
const RECENT = 5;

const keyOf = (who: { connector: string; subject: string }) => `prefs:${who.connector}:${who.subject}`;

export async function readPreferences(store: Pick<Store, 'get'>, who: { connector: string; subject: string }): Promise<Preferences> {
  const raw = await store.get(keyOf(who));
  if (raw === undefined) return { recent: [] };
  try {
    const v = JSON.parse(raw) as Partial<Preferences>;
    return {
      ...(typeof v.region === 'string' && { region: v.region }),
      recent: Array.isArray(v.recent) ? v.recent.filter((r): r is string => typeof r === 'string').slice(0, RECENT) : [],
    };
  } catch {
    return { recent: [] };
  }
}

async function write(store: Pick<Store, 'set'>, who: { connector: string; subject: string }, prefs: Preferences): Promise<void> {
  await store.set(keyOf(who), JSON.stringify(prefs), TTL_MS);
}

/** Remembers that `roleArn` was just worn. */
export async function rememberRole(store: Pick<Store, 'get' | 'set'>, who: { connector: string; subject: string }, roleArn: string): Promise<void> {
  const prefs = await readPreferences(store, who);
  await write(store, who, { ...prefs, recent: [roleArn, ...prefs.recent.filter((r) => r !== roleArn)].slice(0, RECENT) });
}

export async function rememberRegion(store: Pick<Store, 'get' | 'set'>, who: { connector: string; subject: string }, region: string | undefined): Promise<void> {
  const { region: _old, ...prefs } = await readPreferences(store, who);
  await write(store, who, { ...prefs, ...(region !== undefined && { region }) });
}
