import { z } from 'zod';

/**
 * A Selenium Grid's health as QAtron stores and shows it (issue 16 item 3), read from the Grid's
 * own `GET /status` (Grid 4: hub, standalone and the official images answer the same document).
 * Slots are counted per browser from the nodes' stereotypes, so the Board can say "Chromium 156:
 * 1 of 2 free" and the run can fit its shards into what is free.
 */
export const GridBrowser = z.object({
  name: z.string(),
  version: z.string().nullable(),
  slots_total: z.number().int().nonnegative(),
  slots_free: z.number().int().nonnegative(),
});
export type GridBrowser = z.infer<typeof GridBrowser>;

export const GridHealth = z.object({
  ready: z.boolean(),
  message: z.string(),
  nodes: z.number().int().nonnegative(),
  /** Nodes the Grid counts as UP; a DOWN or DRAINING node's slots are not offered. */
  nodes_up: z.number().int().nonnegative(),
  slots_total: z.number().int().nonnegative(),
  slots_free: z.number().int().nonnegative(),
  browsers: z.array(GridBrowser),
  version: z.string().nullable(),
});
export type GridHealth = z.infer<typeof GridHealth>;

/** Grid 4's `/status` answer, as much of it as QAtron reads; unknown fields are ignored. */
const StatusDocument = z.object({
  value: z.object({
    ready: z.boolean(),
    message: z.string().default(''),
    nodes: z
      .array(
        z.object({
          availability: z.string().default('UP'),
          version: z.string().optional(),
          slots: z
            .array(
              z.object({
                session: z.unknown().nullable().optional(),
                stereotype: z.object({ browserName: z.string().default('unknown'), browserVersion: z.string().optional() }).loose(),
              }),
            )
            .default([]),
        }),
      )
      .default([]),
  }),
});

/** Why a Grid cannot take sessions, on one line; the run's reason and the outage record quote it. */
export class GridUnavailableError extends Error {
  override name = 'GridUnavailableError';
}

/**
 * The health in a `/status` document. A Grid that answers but is not ready (no node registered,
 * every node down) is unhealthy with its own message.
 * @throws {GridUnavailableError} when the document is not a Grid 4 status
 */
export function parseGridStatus(document: unknown): GridHealth {
  const parsed = StatusDocument.safeParse(document);
  if (!parsed.success) throw new GridUnavailableError('answered /status with something that is not a Selenium Grid 4 status document');
  const { ready, message, nodes } = parsed.data.value;
  const up = nodes.filter((n) => n.availability === 'UP');
  const browsers = new Map<string, GridBrowser>();
  for (const node of up) {
    for (const slot of node.slots) {
      const name = slot.stereotype.browserName;
      const version = slot.stereotype.browserVersion ?? null;
      const key = `${name}\u0000${version ?? ''}`;
      const entry = browsers.get(key) ?? { name, version, slots_total: 0, slots_free: 0 };
      entry.slots_total += 1;
      if (slot.session === null || slot.session === undefined) entry.slots_free += 1;
      browsers.set(key, entry);
    }
  }
  const list = [...browsers.values()].sort((a, b) => a.name.localeCompare(b.name) || (a.version ?? '').localeCompare(b.version ?? ''));
  return {
    ready,
    message,
    nodes: nodes.length,
    nodes_up: up.length,
    slots_total: list.reduce((sum, b) => sum + b.slots_total, 0),
    slots_free: list.reduce((sum, b) => sum + b.slots_free, 0),
    browsers: list,
    version: nodes.find((n) => n.version)?.version?.split(' ')[0] ?? null,
  };
}

/** How long one check may take: a Grid that does not answer within this counts as down. */
export const GRID_CHECK_TIMEOUT_MS = 5000;

/** `url` without a trailing slash or a Grid 3 style `/wd/hub`, where `/status` is found. */
export function gridBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/wd\/hub$/, '');
}

/** Why a Grid that answered cannot take sessions (not ready, no slots); null when it can. */
export function gridProblem(health: GridHealth): string | null {
  if (!health.ready) return `not ready: ${health.message || 'no node offers a slot'}`;
  if (health.slots_total === 0) return 'ready, but no node offers a browser slot';
  return null;
}

/**
 * Asks the Grid at `url` for its status. Answers the health when the Grid is ready and has at
 * least one slot.
 * @throws {GridUnavailableError} naming why not: unreachable, an HTTP error, not ready, no slots
 */
export async function checkGrid(url: string, timeoutMs = GRID_CHECK_TIMEOUT_MS): Promise<GridHealth> {
  const health = await readGridHealth(url, timeoutMs);
  const problem = gridProblem(health);
  if (problem) throw new GridUnavailableError(problem);
  return health;
}

/** The Grid's health whether it is ready or not. @throws {GridUnavailableError} when it does not answer a status */
export async function readGridHealth(url: string, timeoutMs = GRID_CHECK_TIMEOUT_MS): Promise<GridHealth> {
  let response: Response;
  try {
    response = await fetch(`${gridBaseUrl(url)}/status`, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (err) {
    throw new GridUnavailableError(unreachableReason(err, timeoutMs));
  }
  const body: unknown = await response.json().catch(() => null);
  // A Grid that is not ready answers 503 with the same document: its message says why.
  if (body !== null && (response.ok || response.status === 503)) return parseGridStatus(body);
  throw new GridUnavailableError(`answered /status with HTTP ${response.status}`);
}

function unreachableReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND) in its `cause`.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : null;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ECONNREFUSED') return 'connection refused';
  // A Grid going down (or restarting) resets the connections it had accepted.
  if (code === 'ECONNRESET') return 'connection reset';
  return `unreachable (${text.split('\n')[0]})`;
}
