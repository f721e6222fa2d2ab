/**
 * Opens a report in Debian's Chromium (playwright-core, DESIGN "Browsers") with every request to
 * another host recorded and aborted, for the tests and the bench that check a report stays home.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, resolve, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { contentTypeFor } from '@qatron/domain';

/** Chromium as the Board's e2e tests launch it: never a downloaded browser, no background traffic of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface ReportVisit {
  /** Requests to any host but the report's own, aborted: must stay empty. */
  outsideRequests: string[];
  /** Each request to the report's own host: path (query removed), status and content type. */
  ownResponses: Array<{ path: string; status: number; contentType: string | null }>;
  /** Bytes of the response bodies the page loaded from its own host. */
  bytesLoaded: number;
  /** From navigation until `waitForText` was visible. */
  seconds: number;
}

/**
 * Loads `url` in a new page of `browser` and waits until `waitForText` shows (the report rendered
 * its tests). Every request whose host is not `url`'s is recorded and aborted; the page is closed.
 */
export async function visitReport(browser: Browser, url: string, waitForText: string, timeoutMs = 120_000): Promise<ReportVisit> {
  const own = new URL(url).host;
  const context = await browser.newContext();
  const page = await context.newPage();
  const visit: ReportVisit = { outsideRequests: [], ownResponses: [], bytesLoaded: 0, seconds: 0 };
  await page.route('**/*', (route) => {
    const requested = new URL(route.request().url());
    if (requested.host === own) return route.continue();
    visit.outsideRequests.push(requested.href);
    return route.abort('blockedbyclient');
  });
  const sizes: Array<Promise<void>> = [];
  page.on('response', (response) => {
    const responded = new URL(response.url());
    if (responded.host !== own) return;
    visit.ownResponses.push({ path: responded.pathname, status: response.status(), contentType: response.headers()['content-type'] ?? null });
  });
  page.on('requestfinished', (request) => {
    if (new URL(request.url()).host !== own) return;
    sizes.push(
      request.sizes().then(
        (size) => void (visit.bytesLoaded += size.responseBodySize),
        () => undefined,
      ),
    );
  });
  try {
    const started = performance.now();
    await page.goto(url, { timeout: timeoutMs });
    await page.getByText(waitForText, { exact: true }).first().waitFor({ timeout: timeoutMs });
    visit.seconds = (performance.now() - started) / 1000;
    await Promise.all(sizes);
    return visit;
  } finally {
    await context.close();
  }
}

/**
 * Serves `dir` as static files on 127.0.0.1 (an ephemeral port), typed by extension and with no
 * Content-Security-Policy: a browser then requests whatever the page asks for, so a request to
 * another host shows. `/` is `index.html`. Resolves to the server and its base URL.
 */
export async function serveDirectory(dir: string): Promise<{ server: Server; url: string }> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = resolve(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep)) {
      res.writeHead(404).end();
      return;
    }
    void stat(file)
      .then((info) => info.isFile() && info)
      .catch(() => false as const)
      .then((info) => {
        if (!info) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': contentTypeFor(file), 'content-length': String(info.size) });
        createReadStream(file).pipe(res);
      });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/` };
}
