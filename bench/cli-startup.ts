// How long `hatrack --help` and a cache hit of `hatrack creds` take, as installed (npm pack, then
// npm install -g into a temporary prefix: compiled JavaScript), as ratios to `node -e 0` on the
// same node, all run interleaved in one process so that the machine's noise falls on each. The
// cache hit reads a login and keys written beforehand by the CLI's own cache code; no broker
// runs, so a miss would fail the run. Beside them runs the floor of a cache hit (a single CommonJS
// file reading the same two files), so what bounds the ratio is measured too. Prints the median of each and the median ratio with min
// and max over rounds (targets: --help and creds ≤ 1.2× node -e 0). Extra arguments name another
// command to measure the same way (e.g. an older checkout: node bench/cli-startup.ts node ../old/bin/hatrack.mjs --help).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { median, ratioSpread } from './stats.ts';
import { cacheFile } from '../src/cli/client/cache-hit.ts';
import { cachedCredentials } from '../src/cli/client/credentials-cache.ts';
import { saveLogin } from '../src/cli/client/login-state.ts';

const work = mkdtempSync(join(tmpdir(), 'hatrack-bench-cli-'));
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
try {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: resolve('.'), env, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)], { env, stdio: 'ignore' });

  // A logged-in person with fresh keys for prod/Admin in the cache.
  const config = join(work, 'config');
  const login = saveLogin(join(config, 'hatrack'), { url: 'http://127.0.0.1:9', token: 'hatrack_bench', expiresAt: new Date(Date.now() + 3600_000).toISOString(), region: 'us-east-1' });
  const cacheFilePath = await cacheFile({ dir: join(config, 'hatrack'), login, role: 'prod/Admin' }, 'json');
  await cachedCredentials({ dir: join(config, 'hatrack'), login, role: 'prod/Admin' }, async () => ({
    Version: 1, AccessKeyId: 'ASIABENCHMARK0000000', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600_000).toISOString(),
  }));
  env.XDG_CONFIG_HOME = config;
  env.HATRACK_URL = login.url;

  const installed = join(work, 'prefix', 'bin', 'hatrack');
  // The least a cache hit can be: one CommonJS file that reads the same two files and prints the
  // keys, nothing parsed or checked. What `hatrack creds` costs beyond this is Hatrack's.
  const floorScript = join(work, 'cache-hit-floor.cjs');
  writeFileSync(floorScript, [
    `const fs = require('node:fs');`,
    `const login = JSON.parse(fs.readFileSync(${JSON.stringify(join(config, 'hatrack', 'login.json'))}, 'utf8'));`,
    `const entry = JSON.parse(fs.readFileSync(${JSON.stringify(cacheFilePath)}, 'utf8'));`,
    `if (entry.login !== login.id) process.exit(1);`,
    `process.stdout.write(JSON.stringify(entry.keys) + '\\n');`,
  ].join('\n'));
  const commands: Record<string, string[]> = {
    'node -e 0': [process.execPath, '-e', '0'],
    'floor: one .cjs file reading the same two files': [process.execPath, floorScript],
    'hatrack --help (installed)': [installed, '--help'],
    'hatrack creds, cache hit (installed)': [installed, 'creds', '--role', 'prod/Admin'],
  };
  const extra = process.argv.slice(2);
  if (extra.length > 0) commands[extra.join(' ')] = extra;

  const wall = (argv: string[]): number => {
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited with ${r.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  for (const argv of Object.values(commands)) for (let i = 0; i < 3; i++) wall(argv); // warm the file cache

  const rounds = 15;
  const perRound = 5;
  const times = new Map<string, number[]>(Object.keys(commands).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < perRound; i++) {
      for (const [name, argv] of Object.entries(commands)) times.get(name)!.push(wall(argv));
    }
  }
  const base = times.get('node -e 0')!;
  console.log(`start-up on node ${process.version}, ${rounds}×${perRound} interleaved runs; ratio to node -e 0 per round (median, min–max)`);
  for (const [name, ms] of times) {
    const ratios = Array.from({ length: rounds }, (_, r) => median(ms.slice(r * perRound, (r + 1) * perRound)) / median(base.slice(r * perRound, (r + 1) * perRound)));
    console.log(`  ${name.padEnd(50)} ${median(ms).toFixed(1).padStart(7)} ms   ${ratioSpread(ratios)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
