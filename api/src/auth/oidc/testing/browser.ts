/**
 * A browser as far as single sign-on needs one: it follows no redirect by itself (each hop is
 * looked at), and keeps cookies per origin the way the provider's and the API's need them.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  /** GET `url` without following a redirect; the cookies of its origin are sent and kept. */
  async get(url: string): Promise<{ status: number; location: string | null; headers: Headers; text: string }> {
    const target = new URL(url);
    const jar = this.jars.get(target.origin) ?? new Map<string, string>();
    this.jars.set(target.origin, jar);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await fetch(target, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line);
      if (value === '' || expired) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    return { status: res.status, location: location ? new URL(location, target).href : null, headers: res.headers, text: await res.text() };
  }

  /** Follows redirects from `url` until one leads to `stopAt` (not requested) or a page answers. */
  async followUntil(url: string, stopAt: string, maxHops = 10): Promise<string> {
    let next = url;
    for (let hop = 0; hop < maxHops; hop++) {
      if (next.startsWith(stopAt)) return next;
      const res = await this.get(next);
      if (!res.location) throw new Error(`${next} answered ${res.status} without a redirect: ${res.text.slice(0, 300)}`);
      next = res.location;
    }
    throw new Error(`more than ${maxHops} redirects from ${url}`);
  }

  /** Replaces a cookie of `origin` (a test tampering with what the browser holds). */
  setCookie(origin: string, name: string, value: string): void {
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.jars.set(origin, jar);
  }
}
