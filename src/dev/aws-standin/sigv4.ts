// AWS Signature Version 4 verification for requests signed with an `Authorization` header
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). Pure: the
// request, the secret and the time come in; a parsed signature or a StandinError comes out.
// Which key is valid, and whether its session token matches, is for the caller to decide.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { StandinError } from './errors.ts';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a request whose date is further than this from its own clock. */
export const MAX_REQUEST_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The path as it arrived on the wire (still percent-encoded), without the query string. */
  path: string;
  /** The raw query string as it arrived, without the leading `?`. */
  query: string;
  /** Header pairs as received (node's `rawHeaders`), names in any case, repeats allowed. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Uint8Array;
}

export interface SigV4Authorization {
  accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface SigV4Expectation {
  region: string;
  service: string;
  now: Date;
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

const incomplete = (message: string) => new StandinError('IncompleteSignature', 400, message);
const mismatch = (message: string) => new StandinError('SignatureDoesNotMatch', 403, message);

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Every value of the header `name` (case-insensitive), in the order received. */
export function headerValues(req: Pick<SignedRequest, 'headers'>, name: string): string[] {
  const lower = name.toLowerCase();
  return req.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Reads the `Authorization` header; undefined when there is none (the caller answers MissingAuthenticationToken). */
export function parseAuthorization(req: Pick<SignedRequest, 'headers'>): SigV4Authorization | undefined {
  const values = headerValues(req, 'authorization');
  if (values.length === 0) return undefined;
  if (values.length > 1) throw incomplete('Only one Authorization header is allowed.');
  const header = values[0]!.trim();
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'.`);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw incomplete(`Authorization header requires each component to be of the form key=value.`);
    const key = part.slice(0, eq).trim();
    if (fields.has(key)) throw incomplete(`Authorization header repeats '${key}'.`);
    fields.set(key, part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '')) {
    throw incomplete(`Credential '${credential}' must have the form AccessKeyId/date/region/service/aws4_request.`);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = scope as [string, string, string, string, string];
  if (terminator !== 'aws4_request') throw incomplete("Credential should be scoped with a valid terminator: 'aws4_request'.");
  if (!/^[0-9a-f]{64}$/.test(signature)) throw incomplete('Signature must be 64 lowercase hexadecimal characters.');
  return { accessKeyId, scopeDate, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** RFC 3986 encoding as SigV4 wants it: only unreserved characters stay as they are. */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new StandinError('MalformedQueryString', 400, 'The query string is not validly percent-encoded.');
  }
}

/** The canonical URI: dot segments removed, empty segments dropped, then encoded once more (every service but S3). */
export function canonicalUri(wirePath: string): string {
  const segments: string[] = [];
  for (const segment of wirePath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && wirePath.endsWith('/') ? '/' : '';
  return '/' + segments.map((s) => uriEncode(s)).join('/') + trailing;
}

/** The canonical query string: every parameter decoded, strictly re-encoded, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(decodeComponent(k)), uriEncode(decodeComponent(v))] as const;
    });
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaderValue(values: string[]): string {
  return values.map((v) => v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()).join(',');
}

/** The request date: `x-amz-date` (ISO 8601 basic), else the `Date` header. */
export function requestDate(req: Pick<SignedRequest, 'headers'>): { amzDate: string; date: Date } {
  const amz = headerValues(req, 'x-amz-date')[0];
  if (amz !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amz.trim());
    if (!m) throw incomplete(`X-Amz-Date '${amz}' must be in ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z').`);
    const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
    if (Number.isNaN(date.getTime())) throw incomplete(`X-Amz-Date '${amz}' is not a valid date.`);
    return { amzDate: amz.trim(), date };
  }
  const http = headerValues(req, 'date')[0];
  if (http !== undefined) {
    const date = new Date(http);
    if (Number.isNaN(date.getTime())) throw incomplete(`Date header '${http}' is not a valid date.`);
    return { amzDate: date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''), date };
  }
  throw incomplete("Authorization requires an 'X-Amz-Date' or 'Date' header.");
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headerValues(req, name))}\n`).join('');
  return [
    req.method.toUpperCase(),
    canonicalUri(req.path),
    canonicalQuery(req.query),
    headerLines,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function signingKey(secretAccessKey: string, scopeDate: string, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secretAccessKey, scopeDate);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

function basic(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Verifies the signature of `req` made with `secretAccessKey`, given its parsed Authorization.
 * Checks, in order: the signed-header list, the request date and its skew, the credential scope,
 * the payload hash, and the signature itself. Throws SignatureDoesNotMatch or IncompleteSignature.
 */
export function verifySigV4(
  req: SignedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
  expect: SigV4Expectation,
): void {
  const signed = auth.signedHeaders;
  if (signed.some((h) => h === '' || h !== h.toLowerCase())) throw incomplete('SignedHeaders must be lowercase header names.');
  for (let i = 1; i < signed.length; i++) {
    if (signed[i - 1]! >= signed[i]!) throw incomplete('SignedHeaders must be sorted and without repeats.');
  }
  if (!signed.includes('host')) throw mismatch("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  for (const name of signed) {
    if (headerValues(req, name).length === 0) throw mismatch(`The signed header '${name}' is missing from the request.`);
  }

  const { amzDate, date } = requestDate(req);
  const dateHeader = headerValues(req, 'x-amz-date').length > 0 ? 'x-amz-date' : 'date';
  if (!signed.includes(dateHeader)) throw mismatch(`'${dateHeader}' must be a 'SignedHeader' in the AWS Authorization.`);
  const skew = date.getTime() - expect.now.getTime();
  if (skew < -MAX_REQUEST_SKEW_MS) {
    throw mismatch(`Signature expired: ${amzDate} is now earlier than ${basic(new Date(expect.now.getTime() - MAX_REQUEST_SKEW_MS))} (${basic(expect.now)} - 15 min.)`);
  }
  if (skew > MAX_REQUEST_SKEW_MS) {
    throw mismatch(`Signature not yet current: ${amzDate} is still later than ${basic(new Date(expect.now.getTime() + MAX_REQUEST_SKEW_MS))} (${basic(expect.now)} + 15 min.)`);
  }

  if (auth.scopeDate !== amzDate.slice(0, 8)) {
    throw mismatch(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}'.`);
  }
  if (auth.region !== expect.region) throw mismatch(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  if (auth.service !== expect.service) throw mismatch(`Credential should be scoped to correct service: '${expect.service}'.`);

  const computedPayloadHash = sha256Hex(req.body);
  const claimed = headerValues(req, 'x-amz-content-sha256')[0]?.trim();
  if (claimed !== undefined && claimed !== computedPayloadHash) {
    throw mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = stringToSign(amzDate, scope, canonicalRequest(req, signed, computedPayloadHash));
  const expected = createHmac('sha256', signingKey(secretAccessKey, auth.scopeDate, auth.region, auth.service))
    .update(toSign, 'utf8')
    .digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw mismatch(SIGNATURE_MISMATCH_MESSAGE);
}
