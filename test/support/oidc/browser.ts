// Just enough browser to walk an OpenID provider's login pages headlessly: fetch with redirects
// followed by hand, and a cookie jar per origin fed from `headers.getSetCookie()`.
import { applySetCookies } from '../cookie-jar.ts';

export interface Step {
  url: URL;
  response: Response;
}

export class HeadlessBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** Cookies held for an origin, by name. */
  cookies(origin: string): Map<string, string> {
    return this.jar.get(origin) ?? new Map();
  }

  async request(url: URL | string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers();
    const cookies = this.jar.get(target.origin);
    if (cookies && cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(target.origin, response.headers.getSetCookie());
    return response;
  }

  /**
   * Requests `url` and follows redirects until one leads to a URL starting with `stopAt` (returned
   * without being fetched) or a page that is not a redirect (returned with its response).
   */
  async follow(url: URL | string, stopAt: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Step & { stopped: boolean }> {
    let current = new URL(url);
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response, stopped: false };
      await response.body?.cancel();
      current = new URL(location, current);
      if (current.href.startsWith(stopAt)) return { url: current, response, stopped: true };
      response = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  private store(origin: string, setCookies: string[]): void {
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    applySetCookies(cookies, setCookies);
    this.jar.set(origin, cookies);
  }
}
