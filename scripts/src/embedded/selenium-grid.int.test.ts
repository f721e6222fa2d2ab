import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGridForTests, type TestGrid } from '../testing/selenium-grid.js';
import { portOpen, waitFor } from './process.js';
import { detectGrid, gridStatus } from './selenium-grid.js';

/**
 * A real Selenium Grid 4 with the machine's Chromium (issue 16 item 1), as `npm start` and the
 * browser tests run it: /status is ready with the configured slots and names Chromium's version
 * before any session ran, a headless Chromium session opens through it and ends, and stop() leaves
 * the port closed.
 */
let grid: TestGrid | undefined;
let chromiumVersion: string;

beforeAll(async () => {
  const detection = await detectGrid(process.env);
  if (!detection.ok) throw new Error(`This machine cannot run a Selenium Grid: ${detection.reason}`);
  chromiumVersion = detection.machine.chromiumVersion;
  grid = await startGridForTests({ sessions: 3 });
});
afterAll(async () => {
  await grid?.stop();
});

/** A W3C WebDriver call: Selenium wants this exact content type on POSTs. */
async function webdriver(method: string, path: string, body?: unknown): Promise<{ status: number; value: unknown }> {
  const res = await fetch(`${grid!.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json; charset=utf-8' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json: unknown = await res.json();
  return { status: res.status, value: typeof json === 'object' && json !== null && 'value' in json ? json.value : undefined };
}

describe('Selenium Grid with Chromium', () => {
  it('is ready with the configured Chromium slots, naming the browser version before any session', async () => {
    expect(grid!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(grid!.startupMs).toBeGreaterThan(0);
    const status = await gridStatus(grid!.url);
    expect(status.ready).toBe(true);
    expect(status.slots).toEqual([1, 2, 3].map(() => ({ browserName: 'chrome', browserVersion: chromiumVersion, busy: false })));
  });

  it('opens a headless Chromium session through the Grid, which holds a slot until it is deleted', async () => {
    const created = await webdriver('POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'chrome', 'goog:chromeOptions': { args: ['--headless=new', '--no-sandbox', '--disable-gpu'] } } },
    });
    expect(created.status).toBe(200);
    expect(created.value).toMatchObject({ sessionId: expect.stringMatching(/^[0-9a-f]{32}$/), capabilities: { browserName: 'chrome', browserVersion: chromiumVersion } });
    const sessionId = typeof created.value === 'object' && created.value !== null && 'sessionId' in created.value ? String(created.value.sessionId) : '';
    expect((await gridStatus(grid!.url)).slots.filter((slot) => slot.busy)).toHaveLength(1);

    const page = await webdriver('POST', `/session/${sessionId}/url`, { url: 'data:text/html,<title>grid</title>' });
    expect(page.status).toBe(200);
    expect(await webdriver('GET', `/session/${sessionId}/title`)).toEqual({ status: 200, value: 'grid' });

    expect((await webdriver('DELETE', `/session/${sessionId}`)).status).toBe(200);
    // The node frees the slot a moment after it answered the DELETE.
    await waitFor('the slot to be free again', async () => (await gridStatus(grid!.url)).slots.every((slot) => !slot.busy), 10_000);
  });

  it('stops, and its port is closed when stop() resolves', async () => {
    const port = Number(new URL(grid!.url).port);
    await grid!.stop();
    expect(await portOpen(port)).toBe(false);
    grid = undefined;
  });
});
