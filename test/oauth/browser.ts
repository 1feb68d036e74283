import assert from 'node:assert/strict';

/**
 * A minimal browser for the authorization pages: follows 303s by hand, keeps its cookies (the
 * interaction's and the session's; `Max-Age=0` deletes), reads the hidden CSRF field and posts the
 * forms as `application/x-www-form-urlencoded`.
 */
export class Browser {
  /** Cookie name → value. */
  readonly cookies = new Map<string, string>();
  /** The last response's Set-Cookie lines, whole (attributes included). */
  setCookies: string[] = [];
  /** The last page's HTML. */
  html = '';
  status = 0;

  constructor(private readonly base: string) {}

  async get(url: string): Promise<Response> {
    return this.capture(await fetch(new URL(url, this.base), { redirect: 'manual', headers: this.headers() }));
  }

  async post(path: string, form: Record<string, string>): Promise<Response> {
    return this.capture(
      await fetch(new URL(path, this.base), {
        method: 'POST',
        redirect: 'manual',
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      }),
    );
  }

  /** The value of a hidden or text input on the last page. */
  field(name: string): string {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(this.html);
    assert.ok(m?.[1] !== undefined, `no field ${name} on the page: ${this.html.slice(0, 300)}`);
    return m[1].replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  }

  /** Options of a select on the last page. */
  options(name: string): string[] {
    const select = new RegExp(`<select[^>]*name="${name}"[^>]*>(.*?)</select>`).exec(this.html)?.[1] ?? '';
    return [...select.matchAll(/value="([^"]+)"/g)].map((m) => m[1] ?? '');
  }

  private headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return cookie ? { cookie } : {};
  }

  private async capture(res: Response): Promise<Response> {
    this.setCookies = res.headers.getSetCookie();
    for (const line of this.setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (/;\s*Max-Age=0(;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    this.status = res.status;
    this.html = await res.clone().text();
    return res;
  }
}

export interface Login {
  readonly identifier: string;
  readonly password: string;
}

/**
 * Drives an authorization request through the sign-in and consent pages; answers the URL the
 * server finally redirects to (the client's callback with `code` or `error`).
 */
export async function authorizeInBrowser(
  base: string,
  url: URL,
  login: Login,
  opts: { decision?: 'allow' | 'deny'; organization?: string; browser?: Browser } = {},
): Promise<URL> {
  const browser = opts.browser ?? new Browser(base);
  let res = await browser.get(url.href);
  assert.equal(res.status, 303, browser.html);
  let location = String(res.headers.get('location'));
  if (!location.startsWith('/oauth/interaction')) return new URL(location);
  res = await browser.get(location);
  assert.equal(res.status, 200, browser.html);
  assert.match(browser.html, /<form method="post" action="\/oauth\/interaction\/login">/);
  res = await browser.post('/oauth/interaction/login', {
    csrf: browser.field('csrf'),
    identifier: login.identifier,
    password: login.password,
  });
  assert.equal(res.status, 303, browser.html);
  res = await browser.get(String(res.headers.get('location')));
  if (res.status === 303) return new URL(String(res.headers.get('location')));
  assert.equal(res.status, 200, browser.html);
  const orgs = browser.options('organization');
  const organization = opts.organization ?? orgs[0] ?? browser.field('organization');
  res = await browser.post('/oauth/interaction/consent', { csrf: browser.field('csrf'), organization, decision: opts.decision ?? 'allow' });
  assert.equal(res.status, 303, browser.html);
  location = String(res.headers.get('location'));
  return new URL(location);
}
