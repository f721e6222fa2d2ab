import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { contentTypeFor, type QatronConfig } from '@qatron/domain';

/** The Board's sources (a workspace of this repository) and its static build. */
export const BOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'board');
export const BOARD_DIST = join(BOARD_DIR, 'dist');
const STAMP = '.build-stamp';
/** What the build depends on besides board/src: a change to any of them rebuilds. */
const BUILD_INPUTS = ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return Promise.resolve(entry.isFile() && !/\.(test|e2e\.test)\.ts$/.test(entry.name) ? [path] : []);
    }),
  );
  return nested.flat().sort();
}

/** A hash of every input of the Board's build (sources and config; not the tests), as scripts/bootstrap.sh stamps installs. */
export async function boardSourceHash(boardDir = BOARD_DIR): Promise<string> {
  const hash = createHash('sha256');
  const files = [...(await filesUnder(join(boardDir, 'src'))), ...BUILD_INPUTS.map((f) => join(boardDir, f))];
  for (const file of files) {
    hash.update(relative(boardDir, file)).update('\0');
    hash.update(await readFile(file).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export interface BoardBuild {
  /** `fresh`: the stamp matched; `built`: built now; `failed`: no usable build (see `error`). */
  outcome: 'fresh' | 'built' | 'failed';
  /** True when board/dist can be served (a stale build still can, after a failed rebuild). */
  servable: boolean;
  error?: string;
}

/**
 * Builds board/dist with `vite build` when the Board's sources changed since the last build (or
 * there is none). `npm start` calls it while the stores start (so do the e2e tests, which run the
 * same start script), the api calls it again with `--board` (then only the stamp is read), and the
 * dashboard bench calls it. The build goes to a temporary directory that replaces dist only when
 * it succeeded, so a broken edit keeps the previous Board up.
 */
export async function ensureBoardBuilt(options: { boardDir?: string; log?: (line: string) => void } = {}): Promise<BoardBuild> {
  const boardDir = options.boardDir ?? BOARD_DIR;
  const dist = join(boardDir, 'dist');
  const hash = await boardSourceHash(boardDir);
  const stamp = await readFile(join(dist, STAMP), 'utf8').catch(() => null);
  const hasIndex = await stat(join(dist, 'index.html')).then(() => true, () => false);
  if (hasIndex && stamp?.trim() === hash) return { outcome: 'fresh', servable: true };
  options.log?.('building the Board (vite build)…');
  const temporary = join(boardDir, `.dist-${process.pid}-${Date.now()}`);
  try {
    const vite = join(dirname(createRequire(join(boardDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
    await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', temporary, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: boardDir,
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    await writeFile(join(temporary, STAMP), `${hash}\n`);
    await rm(dist, { recursive: true, force: true });
    await rename(temporary, dist);
    return { outcome: 'built', servable: true };
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    // Another start (a parallel test, a second `npm start`) may have put the same build in place meanwhile.
    const now = await readFile(join(dist, STAMP), 'utf8').catch(() => null);
    if (now?.trim() === hash) return { outcome: 'fresh', servable: true };
    const e = err as { stderr?: string; message: string };
    const servable = await stat(join(dist, 'index.html')).then(() => true, () => false);
    return { outcome: 'failed', servable, error: (e.stderr || e.message).trim().slice(-2000) };
  }
}

/** The page served when there is no build to serve: says so, and how to get one. */
function notBuiltPage(apiUrl: string, reason: string): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>QAtron Board — not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 4rem auto; padding: 0 1rem">
<h1>The QAtron Board is not built</h1>
<p>There is no build in <code>board/dist</code>, and building it failed. Fix the error below and restart,
or build it by hand with <code>npm run build --workspace board</code>. The API works meanwhile at
<a href="${apiUrl}/healthz">${apiUrl}</a> (contract at <code>/api/v1/openapi.json</code>).</p>
<pre style="white-space: pre-wrap; background: #f4f4f4; padding: 1rem">${escape(reason)}</pre></body></html>`;
}

/** Requests the API answers on the Board's origin, so that the Board calls relative `/api/v1/...` URLs without CORS. */
function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/healthz' || path === '/readyz';
}

/**
 * Serves the Board on its own port in the embedded stack (DESIGN "Processes"): the static build
 * with a fallback to index.html for the single-page app's routes, and `/api/*`, `/healthz`,
 * `/readyz` handed to the api's own Koa application in this process (as nginx proxies them in
 * containers). Without a build it serves a page that says so rather than failing.
 */
export async function serveBoard(
  config: QatronConfig,
  apiUrl: string,
  api: (req: IncomingMessage, res: ServerResponse) => unknown,
  options: { dist?: string; notBuiltReason?: string } = {},
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
      res.end(notBuiltPage(apiUrl, options.notBuiltReason ?? 'board/dist/index.html does not exist.'));
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
