/**
 * `qatron grids` as a user runs it (the real bin) against a real API on a real PostgreSQL, with a
 * served Grid 4 `/status` standing in for a healthy Grid and a closed port for a dead one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGridStatus } from '@qatron/domain/testing/grid-status-server';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { runQatronAs } from '../testing/bin.js';
import { ago, duration, outageDuration } from './grids.js';

let api: TestApi;
let home: string;
let admin: string;
let viewer: string;
let grid: Awaited<ReturnType<typeof serveGridStatus>>;
let deadUrl: string;

/** A URL on 127.0.0.1 where nothing listens: a port taken and let go. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-grids-'));
  admin = await api.login('admin', 'admin');
  ({ token: viewer } = await api.userWithToken('viewer'));
  grid = await serveGridStatus({ slots: 2, busy: 1, browserVersion: '156.0' });
  deadUrl = await closedPortUrl();
});
afterAll(async () => {
  await grid?.close();
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

const qatron = (args: string[], token = admin) => runQatronAs(args, { home, apiUrl: api.url, token });

describe('qatron grids', () => {
  it('adds a Grid where nothing listens: exit 0, saying it is unhealthy and why; show lists its ongoing outage', async () => {
    const added = await qatron(['grids', 'add', 'down-grid', deadUrl]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Registered Selenium Grid down-grid \(id \d+\): unhealthy: connection refused\n$/);

    const listed = JSON.parse((await qatron(['grids', 'list', '--output', 'json'], viewer)).stdout);
    expect(listed).toEqual([expect.objectContaining({ name: 'down-grid', kind: 'grid', url: deadUrl, status: 'unhealthy', check: expect.objectContaining({ error: 'connection refused', health: null }) })]);

    const shown = await qatron(['grids', 'show', 'down-grid', '--output', 'json'], viewer);
    expect(shown.code).toBe(0);
    const details = JSON.parse(shown.stdout);
    expect(details).toMatchObject({ id: listed[0].id, status: 'unhealthy', outages_total: 1 });
    expect(details.outages).toEqual([expect.objectContaining({ ended_at: null, duration_seconds: null, reason: expect.stringContaining('connection refused') })]);

    const table = await qatron(['grids', 'show', String(listed[0].id)], viewer);
    expect(table.stdout).toMatch(/^CHECK ERROR\s+connection refused$/m);
    expect(table.stdout).toContain('Outages (1, newest first):');
    expect(table.stdout).toMatch(/^STARTED\s+ENDED\s+DURATION\s+REASON$/m);
    expect(table.stdout).toMatch(/^\S+Z\s+ongoing\s+\d+ s so far\s+connection refused$/m);
  });

  it('adds a healthy Grid and lists its free slots and browsers; an outage it goes through shows ended, with its duration', async () => {
    const added = await qatron(['grids', 'add', 'local', grid.url]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^Registered Selenium Grid local \(id \d+\): online, 1\/2 slots free \(chrome 156\.0 \(2\)\)\n$/);

    const listed = await qatron(['grids', 'list'], viewer);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+SLOTS FREE\s+BROWSERS\s+LAST CHECK\s+URL$/);
    expect(lines.find((l) => l.includes(' local '))).toMatch(/local\s+online\s+1\/2\s+chrome 156\.0 \(2\)\s+\d+ s ago\s+http:\/\/127\.0\.0\.1:\d+$/);
    // The unhealthy one's reason follows the table.
    expect(lines.at(-1)).toBe('down-grid: connection refused');

    grid.set({ ready: false });
    const down = await qatron(['grids', 'check', 'local']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^Checked Selenium Grid local \(id \d+\): unhealthy: not ready: /);
    grid.set({ slots: 2, busy: 0, browserVersion: '156.0' });
    const up = await qatron(['grids', 'check', 'local', '--output', 'json']);
    expect(JSON.parse(up.stdout)).toMatchObject({ status: 'online', check: { error: null, health: { ready: true, slots_total: 2, slots_free: 2 } } });

    const details = JSON.parse((await qatron(['grids', 'show', 'local', '--output', 'json'])).stdout);
    expect(details.outages).toEqual([expect.objectContaining({ ended_at: expect.any(String), duration_seconds: expect.any(Number), reason: expect.stringContaining('not ready') })]);
  });

  it('removes a Grid by name', async () => {
    const removed = await qatron(['grids', 'remove', 'down-grid']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^Removed Selenium Grid down-grid \(id \d+\)\n$/);
    const yaml = (await qatron(['grids', 'list', '--output', 'yaml'])).stdout;
    expect(yaml).toMatch(/^ {2}name: local$/m);
    expect(yaml).not.toContain('down-grid');
  });

  it('says in one line what is wrong: usage (exit 3), a viewer adding (exit 3), an unknown Grid (exit 4)', async () => {
    expect(await qatron(['grids', 'add', 'only-a-name'])).toMatchObject({ code: 3, stderr: 'qatron: missing URL: usage `qatron grids add NAME URL`\n' });
    const denied = await qatron(['grids', 'add', 'x', grid.url], viewer);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('needs the admin role');
    expect(await qatron(['grids', 'show', 'nope'], viewer)).toMatchObject({ code: 4, stderr: 'qatron: Selenium Grid "nope" not found (see `qatron grids list`)\n' });
  });

  it('writes times relative to now and durations in words', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(ago('2026-12-06T11:59:56Z', now)).toBe('4 s ago');
    expect(ago('2026-12-06T11:55:00Z', now)).toBe('5 min ago');
    expect(ago(null, now)).toBe('never');
    expect(duration(200)).toBe('3 min 20 s');
    expect(duration(null)).toBe('');
    expect(outageDuration({ started_at: '2026-12-06T11:58:00Z', ended_at: null, duration_seconds: null }, now)).toBe('2 min 0 s so far');
    expect(outageDuration({ started_at: '2026-12-06T08:00:00Z', ended_at: '2026-12-06T11:30:00Z', duration_seconds: 12_600 }, now)).toBe('3 h 30 min');
  });
});
