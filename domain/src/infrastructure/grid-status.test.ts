import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridStatusDocument, serveGridStatus } from '../testing/grid-status-server.js';
import { checkGrid, gridBaseUrl, GridUnavailableError, parseGridStatus, readGridHealth } from './grid-status.js';

describe('parseGridStatus', () => {
  it('counts slots per browser and version, busy ones taken', () => {
    const health = parseGridStatus(gridStatusDocument({ slots: 3, busy: 1 }));
    expect(health).toEqual({
      ready: true,
      message: 'Selenium Grid ready.',
      nodes: 1,
      nodes_up: 1,
      slots_total: 3,
      slots_free: 2,
      browsers: [{ name: 'chrome', version: '156.0.8078.114', slots_total: 3, slots_free: 2 }],
      version: '4.48.0',
    });
  });

  it('offers no slots of a node that is down or draining', () => {
    const health = parseGridStatus(gridStatusDocument({ slots: 2, availability: 'DRAINING' }));
    expect(health).toMatchObject({ nodes: 1, nodes_up: 0, slots_total: 0, slots_free: 0, browsers: [] });
  });

  it('refuses what is not a Grid 4 status document', () => {
    expect(() => parseGridStatus({ status: 0, value: { build: { version: '2.53' } } })).toThrow(GridUnavailableError);
    expect(() => parseGridStatus('<html>')).toThrow('not a Selenium Grid 4 status document');
  });
});

describe('gridBaseUrl', () => {
  it('finds /status beside a Grid 3 style /wd/hub URL', () => {
    expect(gridBaseUrl('http://hub:4444/wd/hub/')).toBe('http://hub:4444');
    expect(gridBaseUrl('http://hub:4444/')).toBe('http://hub:4444');
  });
});

describe('checkGrid against a served /status', () => {
  let grid: Awaited<ReturnType<typeof serveGridStatus>>;
  beforeAll(async () => {
    grid = await serveGridStatus();
  });
  afterAll(() => grid.close());

  it('answers the health of a ready Grid', async () => {
    grid.set({ slots: 2, busy: 2 });
    await expect(checkGrid(grid.url)).resolves.toMatchObject({ ready: true, slots_total: 2, slots_free: 0 });
  });

  it('names a Grid that answers 503 not ready, and still reads what it has', async () => {
    grid.set({ ready: false, slots: 0 });
    await expect(checkGrid(grid.url)).rejects.toThrow('not ready: Selenium Grid not ready.');
    await expect(readGridHealth(grid.url)).resolves.toMatchObject({ ready: false, slots_total: 0 });
  });

  it('names a ready Grid without a slot', async () => {
    grid.set({ ready: true, slots: 0 });
    await expect(checkGrid(grid.url)).rejects.toThrow('ready, but no node offers a browser slot');
  });

  it('says "connection refused" where nothing listens', async () => {
    const gone = await serveGridStatus();
    await gone.close();
    await expect(checkGrid(gone.url)).rejects.toThrow(/^connection refused$/);
  });

  it('names an HTTP error that is not a status document', async () => {
    await expect(checkGrid(`${grid.url}/elsewhere`)).rejects.toThrow('answered /status with HTTP 404');
  });
});
