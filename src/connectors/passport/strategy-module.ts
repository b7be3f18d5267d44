// Loading the strategy class a `type: passport` connector names: an installed package (looked up
// in the base directory first — where relative key and certificate paths resolve — then beside
// Hatrack), or a file path relative to that directory; then the named export (CommonJS or ESM,
// default export included).
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HatrackError } from '../../errors.ts';
import type { StrategyClass } from './passport-connector.ts';

function configProblem(connector: string, what: string): HatrackError {
  return new HatrackError('passport_strategy_unusable', 500, 'Hatrack is not configured correctly for this sign-in.', `connector ${connector}: ${what}`);
}

function locate(moduleName: string, baseDir: string): string {
  if (moduleName.startsWith('.') || isAbsolute(moduleName)) return pathToFileURL(resolve(baseDir, moduleName)).href;
  try {
    return pathToFileURL(createRequire(join(baseDir, 'hatrack.yaml')).resolve(moduleName)).href;
  } catch {
    return moduleName;
  }
}

export async function loadStrategyClass(connector: string, moduleName: string, exportName: string, baseDir: string): Promise<StrategyClass> {
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(locate(moduleName, baseDir)) as Record<string, unknown>;
  } catch (e) {
    throw configProblem(connector, `module "${moduleName}" could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); install it with npm`);
  }
  const fromDefault = loaded.default as Record<string, unknown> | undefined;
  const candidate = loaded[exportName] ?? (typeof fromDefault === 'object' || typeof fromDefault === 'function' ? fromDefault?.[exportName] : undefined)
    ?? (exportName === 'default' ? fromDefault : undefined);
  if (typeof candidate !== 'function' || typeof (candidate as { prototype?: { authenticate?: unknown } }).prototype?.authenticate !== 'function') {
    throw configProblem(connector, `module "${moduleName}" has no passport Strategy class as export "${exportName}"`);
  }
  return candidate as StrategyClass;
}
