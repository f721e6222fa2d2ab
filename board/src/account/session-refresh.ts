/** How long before a session token expires the Board exchanges it for a new one. */
export const REFRESH_MARGIN_MS = 2 * 60_000;
/** Never sooner than this, so a token close to expiry is not refreshed in a tight loop. */
export const MIN_REFRESH_DELAY_MS = 5_000;

/** The `exp` claim of a JWT in milliseconds, or null when the token has none readable. */
export function expiryOf(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * When to refresh `token` (POST /api/v1/auth/refresh): REFRESH_MARGIN_MS before it expires, so a
 * Board left open stays signed in; null when the token is already expired or has no expiry (the
 * next request's 401 then leads to the login page).
 */
export function refreshDelayMs(token: string, now = Date.now()): number | null {
  const expiry = expiryOf(token);
  if (expiry === null || expiry <= now) return null;
  return Math.max(expiry - now - REFRESH_MARGIN_MS, MIN_REFRESH_DELAY_MS);
}
