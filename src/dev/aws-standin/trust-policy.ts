// Role trust policies as the stand-in's IAM holds them: a real policy document (the JSON
// `aws iam create-role --assume-role-policy-document` takes), checked when registered and evaluated
// for each action AssumeRoleWithSAML needs — `sts:AssumeRoleWithSAML`, and `sts:SetSourceIdentity` /
// `sts:TagSession` when the assertion carries a SourceIdentity / session tags.
//
// The subset evaluated is what SAML federation uses: Effect Allow/Deny; Principal `Federated`
// (a provider ARN or a list; `*` for everyone); Action with `*` wildcards, compared ignoring case;
// Condition with the String operators (StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringLike, StringNotLike, each also …IfExists) on the keys the call brings: SAML:aud (from
// Recipient), SAML:iss, SAML:sub, SAML:sub_type, SAML:namequalifier, sts:SourceIdentity. An explicit
// Deny wins; otherwise some Allow must match. Anything outside the subset (NotPrincipal,
// NotAction, ForAnyValue:…, other operators) is refused at registration rather than misjudged.
import { globMatches, globTokens, type GlobOptions } from '../../mapping/glob.ts';
import { StandinError } from './errors.ts';

export interface TrustPolicy {
  statements: Statement[];
}

interface Condition {
  operator: 'equals' | 'notEquals' | 'equalsIgnoreCase' | 'like' | 'notLike';
  ifExists: boolean;
  /** Lower case: IAM condition keys are case-insensitive. */
  key: string;
  values: string[];
}

interface Statement {
  effect: 'Allow' | 'Deny';
  /** Undefined: `Principal: "*"`. */
  federated?: string[];
  /** IAM action globs, compared ignoring case. */
  actions: string[];
  conditions: Condition[];
}

/** What one call brings to the evaluation. */
export interface TrustRequest {
  action: string;
  /** The SAML provider ARN (PrincipalArn). */
  principal: string;
  /** Condition keys, lower case → value. */
  keys: Readonly<Record<string, string | undefined>>;
}

const operators: Record<string, Condition['operator']> = {
  stringequals: 'equals',
  stringnotequals: 'notEquals',
  stringequalsignorecase: 'equalsIgnoreCase',
  stringlike: 'like',
  stringnotlike: 'notLike',
};

function malformed(message: string): StandinError {
  return new StandinError('MalformedPolicyDocument', 400, `Trust policy: ${message}`);
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function strings(v: unknown, what: string): string[] {
  const items = list(v);
  if (items.length === 0 || !items.every((s) => typeof s === 'string' && s.length > 0)) throw malformed(`${what} must be a string or a list of strings.`);
  return items as string[];
}

/** IAM's wildcards: `*` any run, `?` one character. */
function like(pattern: string, value: string, options?: GlobOptions): boolean {
  return globMatches(globTokens(pattern, true), value, options);
}

function parseStatement(raw: unknown, i: number): Statement {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw malformed(`statement ${i} is not an object.`);
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!['Sid', 'Effect', 'Principal', 'Action', 'Condition'].includes(key)) {
      throw malformed(`statement ${i} has ${key}, which a trust policy does not take or the stand-in does not evaluate.`);
    }
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed(`statement ${i} needs Effect Allow or Deny.`);

  let federated: string[] | undefined;
  if (s.Principal === '*') {
    federated = undefined;
  } else if (s.Principal !== null && typeof s.Principal === 'object' && !Array.isArray(s.Principal)) {
    const p = s.Principal as Record<string, unknown>;
    federated = p.Federated === undefined ? [] : strings(p.Federated, `statement ${i} Principal.Federated`);
    for (const key of Object.keys(p)) {
      if (!['Federated', 'AWS', 'Service'].includes(key)) throw malformed(`statement ${i} Principal.${key} is not a principal type.`);
    }
  } else {
    throw malformed(`statement ${i} needs a Principal.`);
  }

  const actions = strings(s.Action, `statement ${i} Action`);

  const conditions: Condition[] = [];
  if (s.Condition !== undefined) {
    if (s.Condition === null || typeof s.Condition !== 'object' || Array.isArray(s.Condition)) throw malformed(`statement ${i} Condition is not an object.`);
    for (const [name, block] of Object.entries(s.Condition as Record<string, unknown>)) {
      const ifExists = /IfExists$/i.test(name);
      const operator = operators[name.replace(/IfExists$/i, '').toLowerCase()];
      if (!operator) throw malformed(`statement ${i} uses the condition operator ${name}, which the stand-in does not evaluate.`);
      if (block === null || typeof block !== 'object' || Array.isArray(block)) throw malformed(`statement ${i} Condition.${name} is not an object.`);
      for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
        conditions.push({ operator, ifExists, key: key.toLowerCase(), values: strings(values, `statement ${i} Condition.${name}.${key}`) });
      }
    }
  }
  return { effect: s.Effect, federated, actions, conditions };
}

/** Reads a trust policy document (an object or its JSON text); throws MalformedPolicyDocument. */
export function parseTrustPolicy(document: unknown): TrustPolicy {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw malformed('the document is not JSON.');
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw malformed('the document is not a JSON object.');
  const d = doc as Record<string, unknown>;
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') throw malformed(`unknown Version ${String(d.Version)}.`);
  if (d.Statement === undefined) throw malformed('the document has no Statement.');
  const statements = list(d.Statement).map(parseStatement);
  if (statements.length === 0) throw malformed('the document has no Statement.');
  return { statements };
}

function conditionHolds(c: Condition, keys: TrustRequest['keys']): boolean {
  const value = keys[c.key];
  if (value === undefined) {
    // IAM: a missing key fails a positive test and passes a negated one; IfExists passes either.
    return c.ifExists || c.operator === 'notEquals' || c.operator === 'notLike';
  }
  switch (c.operator) {
    case 'equals': return c.values.includes(value);
    case 'notEquals': return !c.values.includes(value);
    case 'equalsIgnoreCase': return c.values.some((v) => v.toLowerCase() === value.toLowerCase());
    case 'like': return c.values.some((v) => like(v, value));
    case 'notLike': return !c.values.some((v) => like(v, value));
  }
}

function applies(s: Statement, request: TrustRequest): boolean {
  if (s.federated !== undefined && !s.federated.includes(request.principal)) return false;
  if (!s.actions.some((a) => like(a, request.action, { ignoreCase: true }))) return false;
  return s.conditions.every((c) => conditionHolds(c, request.keys));
}

/** Whether the policy lets this principal perform this action with these condition keys. */
export function trustPolicyAllows(policy: TrustPolicy, request: TrustRequest): boolean {
  const matching = policy.statements.filter((s) => applies(s, request));
  if (matching.some((s) => s.effect === 'Deny')) return false;
  return matching.some((s) => s.effect === 'Allow');
}
