import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentTypeFor, type QatronConfig } from '@qatron/domain';

/**
 * The Board's static build, written by `npm run build` (scripts/src/build.ts). The api only serves
 * it: building is the build's job, so the api depends on no build tool.
 */
export const BOARD_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'board', 'dist');

/** The page served when there is no build to serve: says so, and which command builds it. */
function notBuiltPage(apiUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>QAtron Board — not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 4rem auto; padding: 0 1rem">
<h1>The QAtron Board is not built</h1>
<p>There is no build in <code>board/dist</code>: the API serves the Board but does not build it. Build it
with <code>npm run build</code> in the QAtron checkout (<code>npm start</code> builds it as it starts, and
says there why a build failed), then reload this page. The API works meanwhile at
<a href="${apiUrl}/healthz">${apiUrl}</a> (contract at <code>/api/v1/openapi.json</code>).</p></body></html>`;
}

/** Requests the API answers on the Board's origin, so that the Board calls relative `/api/v1/...` URLs without CORS. */
function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/healthz' || path === '/readyz';
}

/**
 * Serves the Board on its own port in the embedded stack (DESIGN "Processes"): the static build
 * with a fallback to index.html for the single-page app's routes, and `/api/*`, `/healthz`,
 * `/readyz` handed to the api's own Koa application in this process (as nginx proxies them in
 * containers). Without a build it answers 503 with a page naming the command that builds it.
 */
export async function serveBoard(
  config: QatronConfig,
  apiUrl: string,
  api: (req: IncomingMessage, res: ServerResponse) => unknown,
  options: { dist?: string } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const dist = resolve(options.dist ?? BOARD_DIST);
  const sendFile = async (res: ServerResponse, file: string, method: string): Promise<boolean> => {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return false;
    const hashed = file.startsWith(join(dist, 'assets') + sep);
    res.writeHead(200, {
      'Content-Type': contentTypeFor(file),
      'Content-Length': info.size,
      'X-Content-Type-Options': 'nosniff',
      // Vite names assets by content hash: cache them for good; index.html never, so a new build shows at once.
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://board');
    if (isApiPath(url.pathname)) return void api(req, res);
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed\n');
        return;
      }
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad path\n');
        return;
      }
      const file = resolve(dist, `.${path}`);
      // Never outside dist, whatever the path says.
      if ((file === dist || file.startsWith(dist + sep)) && !path.endsWith('/') && (await sendFile(res, file, req.method))) return;
      // A missing asset is a 404; anything else is a client-side route of the single-page app.
      if (path.startsWith('/assets/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
        return;
      }
      if (await sendFile(res, join(dist, 'index.html'), req.method)) return;
      res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(notBuiltPage(apiUrl));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`Board error: ${(err as Error).message}\n`);
    });
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(config.board.port, config.api.host, () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.board.port;
  return {
    url: `http://${config.api.host}:${port}`,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      }),
  };
}
