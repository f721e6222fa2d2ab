/**
 * A git server over smart HTTP for tests: `git http-backend` behind a Node HTTP server that
 * demands a token the way GitHub does (Basic auth, token as the password). It lets the tests run
 * real clones and fetches with token authentication, and watch what reaches the server.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>` for a repository `<root>/<name>`. */
  url(name: string): string;
  /** The Authorization header of every request (undefined when absent). */
  authorizations: (string | undefined)[];
  /** Called for each request before it is served (e.g. to look at the process list mid-clone). */
  onRequest?: (request: IncomingMessage) => void;
  close(): Promise<void>;
}

/** Serves the repositories under `root`; when `token` is set, requests without it get 401. */
export async function startGitHttpServer(root: string, token?: string): Promise<GitHttpServer> {
  const expected = token === undefined ? undefined : `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  const state: GitHttpServer = {
    url: (name) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`,
    authorizations: [],
    close: () => new Promise((done) => server.close(() => done())),
  };
  const server = createServer((request, response) => {
    state.authorizations.push(request.headers.authorization);
    state.onRequest?.(request);
    if (expected !== undefined && request.headers.authorization !== expected) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    serveWithBackend(root, request, response);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return state;
}

function serveWithBackend(root: string, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_USER: 'x-access-token',
    },
  });
  request.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    headersSent = true;
    response.write(head.subarray(end + 4));
  });
  backend.on('close', () => {
    if (!headersSent) response.writeHead(500);
    response.end();
  });
}
