// The `hatrack` command: parses arguments and dispatches to one command module. Only this folder
// and src/http know about terminals and exit codes.
import { parseArgs } from 'node:util';
import { isHatrackError } from '../errors.ts';

const usage = `Usage: hatrack <command> [--config FILE] [options]

Server commands:
  serve          run the broker (with no configuration: the built-in demo)
  check-config   validate the configuration; prints "ok" or every problem, and warnings
                 about rules that can never grant (--strict: warnings fail too)
  explain        who gets which role and why: --user EMAIL --groups a,b [--mfa]
                 [--connector ID] [--unverified-email], or --identity identity.json;
                 --json for scripts
  iam-setup      the IAM SAML provider and role trust policies for every account:
                 [--format cloudformation|json] [--account ALIAS|ID] [--out DIR]
  keys           show the signing certificates; \`keys metadata\` prints the IdP metadata
                 for IAM; \`keys rotate\` creates the next key, \`keys promote\` makes it current;
                 --decryption: the same for the key SAML connectors decrypt assertions with

The configuration is --config FILE, else $HATRACK_CONFIG, else ./hatrack.yaml, else the demo.`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

const options = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  strict: { type: 'boolean' },
  user: { type: 'string' },
  groups: { type: 'string' },
  mfa: { type: 'boolean' },
  'unverified-email': { type: 'boolean' },
  connector: { type: 'string' },
  identity: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  account: { type: 'string' },
  out: { type: 'string' },
  decryption: { type: 'boolean' },
} as const;

export type CliValues = Partial<{
  [K in keyof typeof options]: (typeof options)[K]['type'] extends 'string' ? string : boolean;
}>;

/** The options each command takes besides --config and --help. */
const commandOptions: Record<string, ReadonlyArray<keyof typeof options>> = {
  serve: [],
  'check-config': ['strict'],
  explain: ['user', 'groups', 'mfa', 'unverified-email', 'connector', 'identity', 'json'],
  'iam-setup': ['format', 'account', 'out'],
  keys: ['decryption'],
};

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const values = parsed.values as CliValues;
  const [command, ...rest] = parsed.positionals;
  if (values.help || !command || command === 'help') {
    io.out(usage);
    return command || values.help ? 0 : 2;
  }
  const allowed = commandOptions[command];
  if (allowed) {
    const stray = Object.keys(values).filter((k) => k !== 'config' && k !== 'help' && !allowed.includes(k as keyof typeof options));
    if (stray.length > 0) {
      io.err(`hatrack ${command}: --${stray[0]} is not an option of this command\n\n${usage}`);
      return 2;
    }
  }
  try {
    switch (command) {
      // Each command is loaded only when run, so a quick command does not pay for the server's imports.
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(values.config, io);
      case 'check-config':
        return await (await import('./check-config.ts')).checkConfigCommand(values.config, io, { strict: values.strict === true });
      case 'explain':
        return await (await import('./explain.ts')).explainCommand(values, io);
      case 'iam-setup':
        return await (await import('./iam-setup.ts')).iamSetupCommand(values, io);
      case 'keys':
        return await (await import('./keys.ts')).keysCommand(values.config, rest[0], io, { decryption: values.decryption === true });
      default:
        io.err(`hatrack: unknown command "${command}"\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    // A ConfigError (config_invalid) lists every problem in its message; importing the class here
    // would load the whole configuration stack for `hatrack --help` too.
    if (isHatrackError(e) && e.code === 'config_invalid') io.err(e.message);
    else if (isHatrackError(e)) io.err(`hatrack: ${e.message}`);
    else io.err(`hatrack: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}
