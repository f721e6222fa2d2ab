import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAuthStore } from '../auth/store';
import { fakeApi } from '../testing/fake-api';
import { MIN_REFRESH_DELAY_MS, REFRESH_MARGIN_MS, expiryOf, refreshDelayMs } from './session-refresh';

/** A token shaped like the API's JWT with only `exp` readable (the Board never checks signatures). */
const jwt = (exp: number) => `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ sub: '1', exp })).replace(/=+$/, '')}.signature`;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('refreshDelayMs', () => {
  const now = 1_800_000_000_000;
  it('refreshes two minutes before the token expires', () => {
    expect(expiryOf(jwt(now / 1000 + 1800))).toBe(now + 1_800_000);
    expect(refreshDelayMs(jwt(now / 1000 + 1800), now)).toBe(1_800_000 - REFRESH_MARGIN_MS);
  });
  it('waits at least a few seconds for a token about to expire, and gives up on expired or unreadable ones', () => {
    expect(refreshDelayMs(jwt(now / 1000 + 60), now)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelayMs(jwt(now / 1000 - 1), now)).toBeNull();
    expect(refreshDelayMs('qat_service_token', now)).toBeNull();
    expect(refreshDelayMs('a.!!!.c', now)).toBeNull();
  });
});

describe('the auth store keeps an open Board signed in', () => {
  it('exchanges the token before it expires and uses the new one from then on', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const first = jwt(1_800_000_000 + 1800);
    const second = jwt(1_800_000_000 + 3600);
    const api = fakeApi();
    api.answer('POST /api/v1/auth/refresh', { body: { access_token: second, token_type: 'bearer', expires_in: 1800 } });
    sessionStorage.setItem('qatron.token', first);
    setActivePinia(createPinia());
    const auth = useAuthStore();

    await vi.advanceTimersByTimeAsync(1_800_000 - REFRESH_MARGIN_MS - 1);
    expect(api.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/auth/refresh', authorization: `Bearer ${first}` });
    expect(auth.token).toBe(second);
    expect(sessionStorage.getItem('qatron.token')).toBe(second);

    await vi.advanceTimersByTimeAsync(1_800_000);
    expect(api.calls).toHaveLength(2);
    expect(api.calls[1]?.authorization).toBe(`Bearer ${second}`);
  });

  it('ends the session when the API refuses the refresh (revoked)', async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const api = fakeApi();
    api.answer('POST /api/v1/auth/refresh', { status: 401, body: 'Not authenticated' });
    sessionStorage.setItem('qatron.token', jwt(1_800_000_000 + 1800));
    setActivePinia(createPinia());
    const auth = useAuthStore();
    await vi.advanceTimersByTimeAsync(1_800_000);
    expect(api.calls).toHaveLength(1);
    expect(auth.token).toBeNull();
    expect(sessionStorage.getItem('qatron.token')).toBeNull();
  });
});
