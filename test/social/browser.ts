import assert from 'node:assert/strict';

/**
 * A browser for flows that cross origins (Gatehouse, a provider): follows redirects by hand,
 * keeps each origin's cookies (names only; paths ignored — every test cookie name is unique).
 */
export class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();
  /** The last response's body. */
  html = '';

  cookie(origin: string, name: string): string | undefined {
    return this.cookies.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    const jar = this.cookies.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.cookies.set(origin, jar);
  }

  private header(origin: string): Record<string, string> {
    const jar = this.cookies.get(origin);
    if (!jar || jar.size === 0) return {};
    return { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private keep(origin: string, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.get(origin)?.delete(name);
      else this.setCookie(origin, name, value);
    }
  }

  async request(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const res = await fetch(u, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: { ...this.header(u.origin), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    this.keep(u.origin, res);
    this.html = await res.clone().text();
    return res;
  }

  /**
   * Follows redirects from `url` until one points at `stop` (answers that URL, not fetched), or a
   * page that does not redirect (answers its response).
   */
  async follow(url: string | URL, stop: (u: URL) => boolean, init: { form?: Record<string, string> } = {}): Promise<URL | Response> {
    let res = await this.request(url, init);
    let current = new URL(url);
    for (let i = 0; i < 20; i++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      current = new URL(location, current);
      if (stop(current)) return current;
      res = await this.request(current);
    }
    assert.fail('too many redirects');
  }
}
