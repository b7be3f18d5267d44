// The `hatrack` command: parses arguments and dispatches to one command module. Only this folder
// and src/http know about terminals and exit codes.
// The CommonJS object: an ES import of node:util would build its whole namespace first.
const { parseArgs } = process.getBuiltinModule('node:util');

/** Each command's own help, shown by `hatrack COMMAND --help`; together they are `hatrack --help`. */
const commandHelp: Record<string, string> = {
  serve: `serve          run the broker (with no configuration: the built-in demo)`,
  'check-config': `check-config   validate the configuration; prints "ok" or every problem, and warnings
                 about rules that can never grant (--strict: warnings fail too; --online: also
                 ask each provider, directory and STS whether they can be used as configured)`,
  explain: `explain        who gets which role and why: --user EMAIL --groups a,b [--mfa]
                 [--connector ID] [--unverified-email], or --identity identity.json;
                 --json for scripts`,
  'iam-setup': `iam-setup      the IAM SAML provider and role trust policies for every account:
                 [--format cloudformation|json] [--account ALIAS|ID] [--out DIR]`,
  keys: `keys           show the signing certificates; \`keys metadata\` prints the IdP metadata
                 for IAM; \`keys rotate\` creates the next key, \`keys promote\` makes it current;
                 --decryption: the same for the key SAML connectors decrypt assertions with`,
  login: `login          log in to the broker from this terminal (approve in a browser):
                 [--url URL] (else $HATRACK_URL, else the last one) [--no-browser]`,
  roles: `roles          the roles you may wear now [--json]`,
  creds: `creds          keys for a role on stdout: --role R [--format json|env|credentials]
                 [--duration 1h]; json is credential_process output; cached until 5 min
                 before expiry`,
  console: `console        open the AWS console as a role: --role R [--region REGION]
                 [--destination URL] [--print: print the sign-in URL instead]`,
  exec: `exec           run a command with a role's keys, refreshed as they expire:
                 --role R [--duration D] -- COMMAND [ARGS...]`,
  'serve-credentials': `serve-credentials
                 serve a role's keys on a local container credentials endpoint and print
                 the variables to point programs at it: --role R [--port P]`,
  configure: `configure      write AWS CLI profiles that run \`hatrack creds\`: --role R [--profile P],
                 or --all (one profile per role, named account-role); [--region REGION]`,
  logout: `logout         end this terminal's login and forget its cached keys`,
};

const SERVER_COMMANDS = ['serve', 'check-config', 'explain', 'iam-setup', 'keys'];
const USER_COMMANDS = ['login', 'roles', 'creds', 'console', 'exec', 'serve-credentials', 'configure', 'logout'];

const usage = `Usage: hatrack <command> [options]     (hatrack <command> --help, hatrack --version)

Server commands (take --config FILE):
${SERVER_COMMANDS.map((c) => `  ${commandHelp[c]}`).join('\n')}

The configuration is --config FILE, else $HATRACK_CONFIG, else ./hatrack.yaml, else the demo.

Commands for people (take --url URL, else $HATRACK_URL, else the URL of the last login):
${USER_COMMANDS.map((c) => `  ${commandHelp[c]}`).join('\n')}

Role names: an ARN, account-alias/role-name, or a unique end of either (e.g. prod/Admin).
Exit codes: 1 failed, 2 usage (and an ambiguous role name), 3 not logged in, 4 login expired,
5 not allowed (a role that is not yours), 6 broker unreachable.`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Writes a line straight to the file descriptor: creating process.stdout loads Node's whole
 * stream stack, a fifth of what `hatrack creds` costs on a cache hit. A descriptor that is
 * non-blocking (EAGAIN) gets the stream after all.
 */
function writeLine(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
  let written = 0;
  try {
    // A pipe may take fewer bytes than offered.
    while (written < bytes.length) written += process.getBuiltinModule('node:fs').writeSync(fd, bytes, written);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(written));
  }
}

const stdio: Io = {
  out: (t) => writeLine(1, t),
  err: (t) => writeLine(2, t),
};

const options = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  strict: { type: 'boolean' },
  online: { type: 'boolean' },
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
  version: { type: 'boolean', short: 'V' },
  url: { type: 'string' },
  'no-browser': { type: 'boolean' },
  role: { type: 'string', short: 'r' },
  duration: { type: 'string' },
  print: { type: 'boolean' },
  region: { type: 'string' },
  destination: { type: 'string' },
  profile: { type: 'string' },
  all: { type: 'boolean' },
  port: { type: 'string' },
} as const;

export type CliValues = Partial<{
  [K in keyof typeof options]: (typeof options)[K]['type'] extends 'string' ? string : boolean;
}>;

/** The options each command takes besides --help and --version (and --config, for the server commands). */
const commandOptions: Record<string, ReadonlyArray<keyof typeof options>> = {
  serve: [],
  'check-config': ['strict', 'online'],
  explain: ['user', 'groups', 'mfa', 'unverified-email', 'connector', 'identity', 'json'],
  'iam-setup': ['format', 'account', 'out'],
  keys: ['decryption'],
  login: ['url', 'no-browser'],
  roles: ['url', 'json'],
  creds: ['url', 'role', 'format', 'duration'],
  console: ['url', 'role', 'print', 'region', 'destination'],
  exec: ['url', 'role', 'duration'],
  'serve-credentials': ['url', 'role', 'duration', 'port'],
  configure: ['url', 'role', 'profile', 'all', 'region'],
  logout: ['url'],
};

/** Options every command takes. */
const COMMON = new Set(['help', 'version']);

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
  if (values.version) {
    io.out((await import('./client/broker-api.ts')).VERSION);
    return 0;
  }
  if (command && commandHelp[command] && values.help) {
    io.out(`Usage: hatrack ${commandHelp[command]}`);
    return 0;
  }
  if (values.help || !command || command === 'help') {
    io.out(usage);
    return command || values.help ? 0 : 2;
  }
  const allowed = commandOptions[command];
  if (allowed) {
    const server = SERVER_COMMANDS.includes(command);
    const stray = Object.keys(values).filter((k) => !COMMON.has(k) && !(server && k === 'config') && !allowed.includes(k as keyof typeof options));
    if (stray.length > 0) {
      io.err(`hatrack ${command}: --${stray[0]} is not an option of this command\n\nUsage: hatrack ${commandHelp[command]}`);
      return 2;
    }
  }
  try {
    switch (command) {
      // Each command is loaded only when run, so a quick command does not pay for the server's imports.
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(values.config, io);
      case 'check-config':
        return await (await import('./check-config.ts')).checkConfigCommand(values.config, io, { strict: values.strict === true, online: values.online === true });
      case 'explain':
        return await (await import('./explain.ts')).explainCommand(values, io);
      case 'iam-setup':
        return await (await import('./iam-setup.ts')).iamSetupCommand(values, io);
      case 'keys':
        return await (await import('./keys.ts')).keysCommand(values.config, rest[0], io, { decryption: values.decryption === true });
      case 'login':
        return await (await import('./client/login.ts')).loginCommand({ url: values.url, noBrowser: values['no-browser'] === true }, io);
      case 'roles':
        return await (await import('./client/roles.ts')).rolesCommand({ url: values.url, json: values.json === true }, io);
      case 'creds':
        return await (await import('./client/creds.ts')).credsCommand(values, io);
      case 'console':
        return await (await import('./client/console.ts')).consoleCommand({ ...values, print: values.print === true }, io);
      case 'exec':
        return await (await import('./client/exec.ts')).execCommand(values, rest, io);
      case 'serve-credentials':
        return await (await import('./client/serve-credentials.ts')).serveCredentialsCommand(values, io);
      case 'configure':
        return await (await import('./client/configure.ts')).configureCommand({ ...values, all: values.all === true }, io);
      case 'logout':
        return await (await import('./client/logout.ts')).logoutCommand({ url: values.url }, io);
      default:
        io.err(`hatrack: unknown command "${command}"\n\n${usage}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof Error && e.name === 'CliFailure') {
      io.err(e.message);
      return (e as Error & { exitCode: number }).exitCode;
    }
    // Loaded only now: a cache hit of `hatrack creds` should not pay for it. A ConfigError
    // (config_invalid) lists every problem in its message; importing that class here would load
    // the whole configuration stack for `hatrack --help` too.
    const { isHatrackError } = await import('../errors.ts');
    if (isHatrackError(e) && e.code === 'config_invalid') io.err(e.message);
    else if (isHatrackError(e)) io.err(`hatrack: ${e.message}`);
    else io.err(`hatrack: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}
