// Signs requests with the SigV4 signer the AWS SDK itself uses (@smithy/signature-v4, installed
// with @aws-sdk/client-sts), so the stand-in's verifier is checked against AWS's implementation
// rather than against a second copy of our own understanding.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SignedRequest } from '../../../src/dev/aws-standin/sigv4.ts';

type Source = string | ArrayBuffer | ArrayBufferView;

function bytes(data: Source): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** node:crypto behind the SDK's Checksum interface (HMAC when constructed with a secret). */
class NodeSha256 {
  private h: Hash | Hmac;
  private readonly secret: Source | undefined;
  constructor(secret?: Source) {
    this.secret = secret;
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

export interface SdkSignInput {
  method?: string;
  host?: string;
  /** The path as it goes on the wire (already percent-encoded). */
  path?: string;
  /** Decoded query parameters. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  date: Date;
  /** Send x-amz-content-sha256 (the SDK's default); false leaves the body hash to the verifier. */
  applyChecksum?: boolean;
}

export function encodeQuery(query: Record<string, string>): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(query).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/** The request as the stand-in would receive it, signed by the SDK's signer. */
export async function sdkSigned(input: SdkSignInput): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: input.service ?? 'sts',
    region: input.region ?? 'us-east-1',
    credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, sessionToken: input.sessionToken },
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: input.applyChecksum ?? true,
  });
  const host = input.host ?? '127.0.0.1:4566';
  const signed = await signer.sign(
    {
      method: input.method ?? 'POST',
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      path: input.path ?? '/',
      query: input.query ?? {},
      headers: { host, ...(input.headers ?? {}) },
      body: input.body,
    },
    { signingDate: input.date },
  );
  return {
    method: signed.method,
    path: signed.path,
    query: encodeQuery(input.query ?? {}),
    headers: Object.entries(signed.headers as Record<string, string>),
    body: Buffer.from(input.body ?? '', 'utf8'),
  };
}

/** Sends `req` to `baseUrl` exactly as signed (node:http, so that Host and every header go as given). */
export function send(baseUrl: string, req: SignedRequest): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path + (req.query ? `?${req.query}` : ''),
        headers: Object.fromEntries(req.headers),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(Buffer.from(req.body));
  });
}
