// The stand-in's HTTP surface on plain node:http: `/` is the STS Query API, `/federation` the
// sign-in endpoint, `/console` the page a federated sign-in lands on. Protocol code throws
// StandinErrors; this file alone turns them into AWS's XML, JSON or an error page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StandinError, isStandinError } from './errors.ts';
import { consolePage, errorPage, PAGE_HEADERS } from './console-page.ts';
import { handleFederation, type FederationContext } from './federation.ts';
import { newRequestId } from './ids.ts';
import type { SignedRequest } from './sigv4.ts';
import { handleStsAction, type StsContext } from './sts.ts';
import { errorXml } from './xml-responses.ts';

export type RouterContext = StsContext & Pick<FederationContext, 'store'>;
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Large enough for any SAML assertion STS accepts (100,000 characters of base64) and then some. */
export const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function rawHeaderPairs(req: IncomingMessage): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return pairs;
}

/** Query parameters, overridden by form-encoded body parameters (AWS accepts either). */
function queryApiParams(query: string, body: Buffer, contentType: string | undefined): URLSearchParams {
  const params = new URLSearchParams(query);
  if (body.length > 0 && (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  }
  return params;
}

export function createRouter(ctx: RouterContext): RequestListener {
  const common = (requestId: string) => ({ 'x-amzn-requestid': requestId, date: ctx.clock.now().toUTCString() });

  const sendXml = (res: ServerResponse, status: number, xml: string, requestId: string) => {
    res.writeHead(status, { ...common(requestId), 'content-type': 'text/xml' });
    res.end(xml);
  };
  const sendPage = (res: ServerResponse, status: number, html: string, requestId: string) => {
    res.writeHead(status, { ...common(requestId), ...PAGE_HEADERS });
    res.end(html);
  };

  const failed = (e: unknown, where: string): StandinError => {
    if (isStandinError(e)) return e;
    ctx.log.error('aws stand-in failed', { where, error: e });
    return new StandinError('InternalFailure', 500, 'The request processing has failed because of an unknown error.');
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      res.setHeader('connection', 'close');
      sendXml(res, 413, errorXml(new StandinError('RequestEntityTooLarge', 413, 'Request body too large.'), requestId), requestId);
      return;
    }

    if (path === '/' && (method === 'POST' || method === 'GET')) {
      const params = queryApiParams(query, body, req.headers['content-type']);
      // Mounted under a prefix (Express `app.use('/aws', handler)`), the client signed the full path.
      const signedUrl = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? url;
      const sq = signedUrl.indexOf('?');
      const signed: SignedRequest = {
        method,
        path: sq < 0 ? signedUrl : signedUrl.slice(0, sq),
        query: sq < 0 ? '' : signedUrl.slice(sq + 1),
        headers: rawHeaderPairs(req),
        body,
      };
      try {
        sendXml(res, 200, handleStsAction(signed, params, ctx, requestId), requestId);
      } catch (e) {
        const err = failed(e, 'sts');
        ctx.log.info('aws stand-in refused an STS call', { action: params.get('Action'), code: err.code, message: err.message, requestId });
        sendXml(res, err.status, errorXml(err, requestId), requestId);
      }
      return;
    }

    if (path === '/federation' && (method === 'GET' || method === 'POST')) {
      const params = queryApiParams(query, body, req.headers['content-type']);
      try {
        const result = handleFederation(params, ctx);
        if (result.kind === 'json') {
          res.writeHead(200, { ...common(requestId), 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(result.body));
        } else {
          res.writeHead(302, { ...common(requestId), location: result.location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
          res.end();
        }
      } catch (e) {
        const err = failed(e, 'federation');
        ctx.log.info('aws stand-in refused a federation call', { action: params.get('Action'), code: err.code, requestId });
        if (params.get('Action') === 'getSigninToken') {
          res.writeHead(err.status, { ...common(requestId), 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ Error: { Code: err.code, Message: err.message } }));
        } else {
          sendPage(res, err.status, errorPage(err.code, err.message), requestId);
        }
      }
      return;
    }

    if (path === '/console' && method === 'GET') {
      const id = new URLSearchParams(query).get('session') ?? '';
      const view = ctx.store.console(id);
      if (view) sendPage(res, 200, consolePage(view), requestId);
      else sendPage(res, 400, errorPage('InvalidSession', 'There is no such console session, or it has expired.'), requestId);
      return;
    }

    sendPage(res, 404, errorPage('NotFound', `No ${method} ${path} here.`), requestId);
  }

  return (req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = failed(e, 'router');
      if (!res.headersSent) sendXml(res, err.status, errorXml(err, 'unknown'), 'unknown');
      else res.destroy();
    });
  };
}
