import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type QatronConfig } from '@qatron/domain';
import { freePort } from '@qatron/scripts/testing/ports';
import { serveBoard } from './board.js';

let dir: string;
/** A configuration whose Board port is free (each server its own: a reused port would meet the previous server's pooled connections). */
const config = async (): Promise<QatronConfig> =>
  loadConfig({ QATRON_ENV: 'test', QATRON_HOME: '/nonexistent', API_HOST: '127.0.0.1', BOARD_PORT: String(await freePort()) });
/** Stands in for the Koa app's request handler: answers every request it is handed with its path. */
const api = (req: { url?: string }, res: { writeHead: (s: number, h: Record<string, string>) => { end: (b: string) => void } }) =>
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ api: req.url }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qatron-board-test-'));
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><div id="app"></div>');
  await writeFile(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside dist');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('serveBoard', () => {
  it('serves the build, falls back to index.html for app routes, and hands API paths to the API', async () => {
    const board = await serveBoard(await config(), 'http://api', api, { dist: join(dir, 'dist') });
    try {
      const asset = await fetch(`${board.url}/assets/index-abc123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await asset.text()).toBe('console.log(1)');

      const route = await fetch(`${board.url}/runs/42?x=1`);
      expect(route.status).toBe(200);
      expect(route.headers.get('cache-control')).toBe('no-cache');
      expect(await route.text()).toContain('<div id="app">');

      expect((await fetch(`${board.url}/assets/gone.js`)).status).toBe(404);
      // A path that climbs out of dist gets the app, never the file.
      expect(await (await fetch(`${board.url}/..%2Fsecret.txt`)).text()).not.toContain('outside dist');

      for (const path of ['/api/v1/runs?limit=1', '/healthz', '/readyz']) {
        expect(await (await fetch(`${board.url}${path}`)).json()).toEqual({ api: path });
      }
      expect((await fetch(`${board.url}/`, { method: 'POST' })).status).toBe(405);
    } finally {
      await board.close();
    }
  });

  it('answers 503 with a page naming the command that builds the Board when there is no build', async () => {
    const board = await serveBoard(await config(), 'http://api.example', api, { dist: join(dir, 'nothing') });
    try {
      const res = await fetch(`${board.url}/`);
      expect(res.status).toBe(503);
      const page = await res.text();
      expect(page).toContain('The QAtron Board is not built');
      expect(page).toContain('<code>npm run build</code>');
      expect(page).toContain('href="http://api.example/healthz"');
    } finally {
      await board.close();
    }
  });
});
