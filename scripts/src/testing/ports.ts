import { createServer } from 'node:net';

/**
 * Ports are picked below Linux's ephemeral range (32768-60999 by default), where the OS never
 * hands one out on its own: a port found free here and bound a moment later by the process under
 * test cannot be taken meanwhile by any connection or `listen(0)` of the tests running in parallel
 * (which is what made `npm start` fail with EADDRINUSE now and then).
 */
const PICK_FROM = 20_000;
const PICK_BELOW = 32_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago, outside the range the OS assigns itself. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_BELOW - PICK_FROM));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${PICK_FROM} and ${PICK_BELOW} after 100 tries`);
}
