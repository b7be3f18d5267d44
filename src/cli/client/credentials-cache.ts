// Keys per role, cached in the CLI's directory (mode 0600) and reused until five minutes before
// they expire, so that every `aws` call does not cost an STS call. Several processes asking for
// the same role at once (a shell loop, a Terraform run) wait for one refresh: the first takes a
// lock file, the others wait for it and then read what it wrote. The hit itself is cache-hit.ts.
import { cacheDir, cacheFile, freshCachedKeys as freshCached, isProcessCredentials, type CacheEntry, type CacheRequest } from './cache-hit.ts';
import { CliFailure, EXIT } from './exit.ts';
import { fs, writePrivateFile } from './files.ts';
import type { ProcessCredentials } from './broker-api.ts';

export { REFRESH_MARGIN_MS, type CacheRequest } from './cache-hit.ts';

/** A lock older than this is left over by a process that died mid-refresh. */
const STALE_LOCK_MS = 60_000;
const WAIT_STEP_MS = 25;
const WAIT_LIMIT_MS = 90_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What this process writes into a lock it holds: its pid, and a nonce no other holder shares. */
const lockText = `${process.pid} ${Date.now()}-${Math.random()}`;

/**
 * Takes the lock, or returns false when a live process holds it. A dead holder's lock is
 * removed; two processes removing one at once can each take the next lock in turn, which costs a
 * second fetch and nothing else.
 */
function tryLock(path: string): boolean {
  try {
    const fd = fs.openSync(path, 'wx', 0o600);
    fs.writeSync(fd, lockText);
    fs.closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let holder = 0;
  let age = 0;
  try {
    holder = Number(fs.readFileSync(path, 'utf8').split(' ')[0]);
    age = Date.now() - fs.statSync(path).mtimeMs;
  } catch {
    return false; // released meanwhile: the caller looks again
  }
  if ((holder > 0 && !alive(holder)) || age > STALE_LOCK_MS) fs.rmSync(path, { force: true });
  return false;
}

function readLock(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fresh keys for the role: from the cache, or from `fetchKeys` by exactly one of the processes
 * asking at the same time.
 */
export async function cachedCredentials(req: CacheRequest, fetchKeys: () => Promise<ProcessCredentials>): Promise<ProcessCredentials> {
  const hit = await freshCached(req);
  if (hit) return hit;
  fs.mkdirSync(cacheDir(req.dir), { recursive: true, mode: 0o700 });
  const lock = await cacheFile(req, 'lock');
  const started = Date.now();
  while (!tryLock(lock)) {
    if (Date.now() - started > WAIT_LIMIT_MS) throw new CliFailure('hatrack: another hatrack process is still fetching these keys', EXIT.failed);
    await sleep(WAIT_STEP_MS);
    const refreshed = await freshCached(req);
    if (refreshed) return refreshed;
  }
  try {
    // Another process may have finished its refresh between our look and our lock.
    const meanwhile = await freshCached(req);
    if (meanwhile) return meanwhile;
    const keys = await fetchKeys();
    if (!isProcessCredentials(keys)) throw new CliFailure('hatrack: the broker sent keys in an unexpected form', EXIT.failed);
    const entry: CacheEntry = { login: req.login.id ?? '', keys };
    writePrivateFile(await cacheFile(req, 'json'), JSON.stringify(entry));
    return keys;
  } finally {
    // Only our own lock: one taken over as stale belongs to its new holder.
    if (readLock(lock) === lockText) fs.rmSync(lock, { force: true });
  }
}
