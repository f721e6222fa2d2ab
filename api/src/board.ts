import { createServer } from 'node:http';
import type { QatronConfig } from '@qatron/domain';

/**
 * Serves the Board on its own port in the embedded stack. Until the Board is built this is a
 * placeholder page that says where the API and its documentation are.
 */
export async function serveBoard(config: QatronConfig, apiUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>QAtron Board</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>QAtron</h1><p>The Board is coming. The API is at <a href="${apiUrl}/healthz">${apiUrl}</a>;
log in with <code>curl -d username=admin -d password=admin ${apiUrl}/api/v1/auth/login</code>
and read the contract at <code>${apiUrl}/api/v1/openapi.json</code>.</p></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/' || req.url?.startsWith('/?') ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.board.port, config.api.host, () => resolve());
  });
  return { url: `http://${config.api.host}:${config.board.port}`, close: () => new Promise((r) => server.close(() => r())) };
}
