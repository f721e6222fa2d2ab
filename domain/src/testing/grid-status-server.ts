import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a Selenium Grid's `/status` in tests that are about how QAtron reads and records
 * Grid health, not about browsers (those start a real Grid: scripts/src/testing/selenium-grid.ts).
 * It answers the document a real Grid 4 standalone answers (captured from selenium-server 4.48),
 * with the slots, busy sessions and readiness a test sets.
 */

export interface GridStatusShape {
  ready?: boolean;
  /** Chromium slots on the one node. */
  slots?: number;
  busy?: number;
  browserVersion?: string;
  /** The node's availability: DOWN or DRAINING nodes offer no slots. */
  availability?: 'UP' | 'DOWN' | 'DRAINING';
}

/** A Grid 4 `/status` document. */
export function gridStatusDocument(shape: GridStatusShape = {}): unknown {
  const { ready = true, slots = 2, busy = 0, browserVersion = '156.0.8078.114', availability = 'UP' } = shape;
  const stereotype = { browserName: 'chrome', browserVersion, 'goog:chromeOptions': { binary: '/usr/bin/chromium' }, platformName: 'linux' };
  return {
    value: {
      ready,
      message: ready ? 'Selenium Grid ready.' : 'Selenium Grid not ready.',
      nodes: [
        {
          id: 'node-1',
          uri: 'http://127.0.0.1:5555',
          availability,
          maxSessions: slots,
          version: '4.48.0 (revision 27f5213)',
          slots: Array.from({ length: slots }, (_, i) => ({
            id: { hostId: 'node-1', id: `slot-${i}` },
            lastStarted: '1970-01-01T00:00:00Z',
            session: i < busy ? { sessionId: `session-${i}`, stereotype, capabilities: stereotype, start: '2026-12-06T10:00:00Z' } : null,
            stereotype,
          })),
        },
      ],
    },
  };
}

/** Serves `/status` on 127.0.0.1 (503 while not ready, like the Grid); `set` changes what it answers next. */
export async function serveGridStatus(shape: GridStatusShape = {}): Promise<{ url: string; set(shape: GridStatusShape): void; close(): Promise<void> }> {
  let current = shape;
  const server = createServer((req, res) => {
    if (req.url !== '/status') return void res.writeHead(404).end();
    res.writeHead(current.ready === false ? 503 : 200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(gridStatusDocument(current)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (shape) => void (current = shape),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
