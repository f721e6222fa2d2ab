/**
 * Whether an error means "the database cannot be reached right now" (issue 13 item 5): the
 * server is down, restarting or refusing connections, or the connection broke mid-query. Such
 * errors are worth waiting out: the API answers 503 with Retry-After, activities retry with
 * backoff. Every other database error (a constraint, a bad query) is the caller's or a bug.
 *
 * Errors arrive raw from `pg` (ECONNREFUSED, SQLSTATE 57P01 on a terminated session) or wrapped
 * by MikroORM's exception converter (`cause`/`previous`), so the whole chain is inspected.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * SQLSTATEs of an unavailable server: class 08 (connection exception), admin/crash shutdown,
 * "the database system is starting up / shutting down" (57P03), too many connections.
 */
function unavailableSqlState(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);
}

/** `pg` reports broken or timed-out connections by message only. */
const BROKEN_CONNECTION = /connection terminated|timeout exceeded when trying to connect|client has encountered a connection error|connection is not queryable|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && typeof e === 'object' && !seen.has(e); e = next(e)) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableSqlState(code)))) return true;
    if (typeof message === 'string' && BROKEN_CONNECTION.test(message)) return true;
    // Several addresses tried (IPv4 and IPv6): Node reports them together.
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

function next(e: object): unknown {
  const { cause, previous } = e as { cause?: unknown; previous?: unknown };
  return cause ?? previous;
}
