// Reads hatrack.yaml and validates it as a whole: YAML syntax, environment references, the schema,
// then checks across sections. Every problem is reported at once, each with its path.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { locate } from './locate.ts';
import { nearestName, settingNames } from './suggest.ts';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { formatPath, formatProblems, type ConfigProblem } from './problems.ts';
import { resolveEnvRefs } from './env-refs.ts';
import { compileRules, type RuleSet } from '../mapping/rules.ts';
import { lintRules } from '../mapping/lint.ts';
import { HatrackError } from '../errors.ts';
import { awsEndpoints, partitionOfRegion } from '../aws/partition.ts';
import { readIdpCert } from './idp-certs.ts';
import { dataEncryptionPermitted } from '../connectors/saml/options.ts';

/** A validated configuration, with the role rules resolved for the mapping engine. */
export interface LoadedConfig {
  config: Config;
  rules: RuleSet;
  /**
   * Findings that do not stop Hatrack but deserve a look (rules that can never grant, a role granted
   * twice with different settings…); `check-config` prints them, `serve` logs them.
   */
  warnings: ConfigProblem[];
  /** Where it came from, for messages: a file path or "built-in demo". */
  source: string;
  /** Where relative paths in it (keys, certificates, strategy modules) resolve: the file's folder, else the working directory. */
  baseDir: string;
}

export class ConfigError extends HatrackError {
  readonly source: string;
  readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    super('config_invalid', 500, `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${formatProblems(problems)}`);
    this.source = source;
    this.problems = problems;
  }
}

/** Validates an already-parsed document (YAML or the demo's object). Throws ConfigError. */
export function validateConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const resolved = withRedisOverride(resolveEnvRefs(raw, env, problems), env.REDIS_URL);
  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...problemsOfIssue(issue));
    // One pass: the checks across sections still run on the sections that are valid on their
    // own, so that fixing the problems above does not reveal a second round.
    const sections = validSections(resolved);
    if (hasAll(sections, ['publicUrl', 'trustProxy', 'store', 'session', 'connectors', 'aws'])) problems.push(...crossChecks(sections, baseDir));
    if (hasAll(sections, ['roles', 'accounts', 'connectors', 'aws'])) problems.push(...compileRulesOf(sections).problems);
    throw new ConfigError(source, problems);
  }
  const config = parsed.data;
  problems.push(...crossChecks(config, baseDir));
  const { rules, problems: ruleProblems } = compileRulesOf(config);
  problems.push(...ruleProblems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { config, rules, warnings: lintRules(rules), source, baseDir };
}

function compileRulesOf(config: Pick<Config, 'roles' | 'accounts' | 'connectors' | 'aws'>): ReturnType<typeof compileRules> {
  return compileRules(config.roles, {
    partition: config.aws.partition,
    samlProviderName: config.aws.samlProviderName,
    accounts: config.accounts,
    connectors: config.connectors,
    sourceIdentity: config.aws.sourceIdentity,
    consoleHome: config.aws.consoleDestination ?? awsEndpoints(config.aws.partition).console,
  });
}

/** Each top-level section that is valid on its own, with its defaults. */
function validSections(raw: unknown): Partial<Config> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const r = (schema as z.ZodType).safeParse((raw as Record<string, unknown>)[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<Config>;
}

function hasAll<K extends keyof Config>(sections: Partial<Config>, keys: K[]): sections is Partial<Config> & Pick<Config, K> {
  return keys.every((k) => sections[k] !== undefined);
}

let knownSettings: Set<string> | undefined;

/**
 * A schema issue as problems: a missing setting says it is required; an unknown key is reported
 * at its own path, with the setting it may have meant.
 */
function problemsOfIssue(issue: { code: string; path: PropertyKey[]; message: string; keys?: string[] }): ConfigProblem[] {
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) return [{ path: formatPath(issue.path), message: 'is required' }];
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return [{ path: formatPath(issue.path), message: issue.message }];
  knownSettings ??= settingNames(configSchema);
  return issue.keys.map((key) => {
    const near = nearestName(key, knownSettings!);
    return { path: formatPath([...issue.path, key]), message: `is not a setting here${near ? ` (did you mean "${near}"?)` : ''}` };
  });
}

/** REDIS_URL in the environment replaces `store.redis` (ARCHITECTURE.md "Environment"). */
function withRedisOverride(raw: unknown, redisUrl: string | undefined): unknown {
  if (!redisUrl || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const doc = raw as Record<string, unknown>;
  const store = doc.store !== null && typeof doc.store === 'object' ? doc.store : {};
  return { ...doc, store: { ...store, redis: redisUrl } };
}

function crossChecks(config: Pick<Config, 'publicUrl' | 'trustProxy' | 'store' | 'session' | 'connectors' | 'aws'>, baseDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const url = new URL(config.publicUrl);
  if (url.search || url.hash) problems.push({ path: 'publicUrl', message: 'must not have a query or fragment' });
  const ids = new Set<string>();
  config.connectors.forEach((c, i) => {
    if (ids.has(c.id)) problems.push({ path: `connectors[${i}].id`, message: `duplicate connector id "${c.id}"` });
    ids.add(c.id);
    if (c.type === 'saml') {
      if (c.dataEncryptionAlgorithms && !dataEncryptionPermitted(c.dataEncryptionAlgorithms, c.requireSignatureOn)) {
        problems.push({ path: `connectors[${i}].dataEncryptionAlgorithms`, message: 'may list an -cbc algorithm only with requireSignatureOn: response or both, so that the Response\'s signature covers the ciphertext' });
      }
      c.idpCerts.forEach((cert, j) => {
        try {
          readIdpCert(cert, baseDir);
        } catch (e) {
          problems.push({ path: `connectors[${i}].idpCerts[${j}]`, message: (e as Error).message });
        }
      });
    }
    if (c.type === 'ldap' && c.ca !== undefined) {
      try {
        readIdpCert(c.ca, baseDir);
      } catch (e) {
        problems.push({ path: `connectors[${i}].ca`, message: (e as Error).message });
      }
    }
    if (c.type === 'oidc' && new URL(c.issuer).protocol === 'http:' && !c.allowInsecureHttp) {
      problems.push({ path: `connectors[${i}].issuer`, message: 'an http:// issuer needs allowInsecureHttp: true (development only)' });
    }
  });
  if (url.protocol === 'https:' && config.trustProxy === false) {
    // Hatrack itself speaks plain HTTP; without trusting the TLS proxy it cannot tell the request
    // was secure, and express-session would never send the Secure cookie.
    problems.push({ path: 'trustProxy', message: 'is needed with an https:// publicUrl: set it to the proxies\' hop count or addresses' });
  }
  try {
    if (partitionOfRegion(config.aws.region) !== config.aws.partition) {
      problems.push({ path: 'aws.region', message: `${config.aws.region} is not in the ${config.aws.partition} partition` });
    }
  } catch {
    problems.push({ path: 'aws.region', message: 'is not an AWS region name' });
  }
  if (config.store.redis && !config.session.secret) {
    problems.push({ path: 'session.secret', message: 'is required with store.redis, so that every process accepts the same session cookies' });
  }
  return problems;
}

/** Reads and validates a YAML file. Throws ConfigError listing every problem. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '(file)', message: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(path, doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}` : '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
    })));
  }
  try {
    // Relative paths in the file (keys, certificates, strategy modules) are relative to its folder.
    return validateConfig(doc.toJS(), path, env, dirname(resolve(path)));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(path, e.problems.map((p) => ({ ...p, ...locate(doc, lines, text, p.path) })));
  }
}
