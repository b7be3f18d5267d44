// `hatrack check-config`: validate the configuration as a whole and say so. Problems (exit 1) make
// the file unusable; warnings (rules that can never grant, a role granted twice with different
// settings) do not, unless --strict asks for a clean bill.
import { ConfigError } from '../config/load.ts';
import { formatProblems } from '../config/problems.ts';
import { checkOnline } from '../online/check-online.ts';
import { configSource, loadConfigFrom } from './config-source.ts';
import type { Io } from './main.ts';

export async function checkConfigCommand(flag: string | undefined, io: Io, options: { strict?: boolean; online?: boolean } = {}): Promise<number> {
  const source = configSource(flag);
  try {
    const loaded = await loadConfigFrom(source);
    const { warnings } = loaded;
    for (const w of warnings) io.err(`warning: ${w.path}: ${w.message}`);
    const what = source.kind === 'file' ? source.path : 'no configuration file, so the built-in demo';
    if (options.online) {
      const problems = await checkOnline(loaded);
      if (problems.length > 0) {
        io.err(`${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'} found online:\n${formatProblems(problems)}`);
        return 1;
      }
    }
    if (warnings.length > 0 && options.strict) {
      io.err(`${what}: ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (--strict)`);
      return 1;
    }
    io.out(`ok: ${what}${options.online ? ', online too' : ''}${warnings.length > 0 ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'})` : ''}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(e.message);
    return 1;
  }
}
