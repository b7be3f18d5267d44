// Just enough browser for the login benchmark, on node:http with keep-alive connections (cheaper
// for the driver than fetch, which matters on a two-core machine): a cookie jar per origin,
// redirects followed by hand, and the public origin routed to a broker process of the caller's
// choosing, as a load balancer would, with the person's own address in X-Forwarded-For.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { applySetCookies } from '../../test/support/cookie-jar.ts';

// Idle sockets are dropped before the servers' 5 s keep-alive timeout, so that no request is ever
// sent on a socket the server is closing.
const agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: 4000 });
const REQUEST_TIMEOUT_MS = 30_000;

export interface Answer {
  /** The URL as the browser sees it (the public origin, not the broker process that answered). */
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(target: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<Omit<Answer, 'url'>> {
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${target.pathname}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface RequestInit {
  method?: string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface BrowserOptions {
  /** The broker's public origin: requests to it go to `route()`'s origin instead. */
  publicOrigin: string;
  /** The origin of the broker process that gets the next request. */
  route: () => string;
  /** Sent as X-Forwarded-For on every request to the broker. */
  clientAddress: string;
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  private readonly options: BrowserOptions;

  constructor(options: BrowserOptions) {
    this.options = options;
  }

  async request(url: URL | string, init: RequestInit = {}): Promise<Answer> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookies = this.jar.get(target.origin);
    if (cookies && cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    let sendTo = target;
    if (target.origin === this.options.publicOrigin) {
      sendTo = new URL(`${target.pathname}${target.search}`, this.options.route());
      headers['x-forwarded-for'] = this.options.clientAddress;
    }
    const answer = await send(sendTo, init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body);
    this.keepCookies(target.origin, answer.headers['set-cookie'] ?? []);
    return { url: target, ...answer };
  }

  /**
   * Requests `url` and follows redirects (as GETs) until an answer that is not one, or until a
   * redirect to a URL `stopAt` accepts, which is returned unfetched as the answer's `url`.
   */
  async follow(url: URL | string, init: RequestInit = {}, stopAt: (next: URL) => boolean = () => false): Promise<Answer> {
    let answer = await this.request(url, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = answer.headers.location;
      if (answer.status < 300 || answer.status >= 400 || !location) return answer;
      const next = new URL(location, answer.url);
      if (stopAt(next)) return { ...answer, url: next };
      answer = await this.request(next);
    }
    throw new Error(`more than 20 redirects from ${new URL(url).pathname}`);
  }

  private keepCookies(origin: string, setCookies: string[]): void {
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    applySetCookies(cookies, setCookies);
    this.jar.set(origin, cookies);
  }
}
