// The `hatrack` command: parses arguments and dispatches to one command module. Only this folder
// and src/http know about terminals and exit codes.
import { parseArgs } from 'node:util';
import { isHatrackError } from '../errors.ts';
import { ConfigError } from '../config/load.ts';

const usage = `Usage: hatrack <command> [--config FILE]

Server commands:
  serve          run the broker (with no configuration: the built-in demo)
  check-config   validate the configuration; prints "ok" or every problem
  keys           show the signing certificates; \`keys metadata\` prints the IdP metadata
                 for IAM; \`keys rotate\` creates the next key, \`keys promote\` makes it current

The configuration is --config FILE, else $HATRACK_CONFIG, else ./hatrack.yaml, else the demo.`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command || command === 'help') {
    io.out(usage);
    return command || parsed.values.help ? 0 : 2;
  }
  try {
    switch (command) {
      // Each command is loaded only when run, so a quick command does not pay for the server's imports.
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(parsed.values.config, io);
      case 'check-config':
        return (await import('./check-config.ts')).checkConfigCommand(parsed.values.config, io);
      case 'keys':
        return await (await import('./keys.ts')).keysCommand(parsed.values.config, rest[0], io);
      default:
        io.err(`hatrack: unknown command "${command}"\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) io.err(e.message);
    else if (isHatrackError(e)) io.err(`hatrack: ${e.message}`);
    else io.err(`hatrack: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}
