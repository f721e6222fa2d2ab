import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiError, bindSession } from '../api/client';
import type { Me, Role } from '../api/types';
import { refreshDelayMs } from '../account/session-refresh';
import { redeemSsoCode } from './sso';

const TOKEN_KEY = 'qatron.token';
const RANK: Record<Role, number> = { viewer: 0, user: 1, admin: 2 };

/**
 * The session: the access token (kept in sessionStorage, so it dies with the tab, as the API's
 * short-lived JWT does) and who the caller is. The token is refreshed shortly before it expires,
 * so an open Board stays signed in. The UI hides what the role may not do; the API enforces it anyway.
 */
export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(sessionStorage.getItem(TOKEN_KEY));
  const me = ref<Me | null>(null);
  /** Where to go back to after signing in again (the page a 401 interrupted). */
  const returnTo = ref<string | null>(null);
  /** An admin reset the password: the Board shows only the password change until it is done. */
  const passwordChangeRequired = ref(false);
  let onExpired: (() => void) | null = null;

  const role = computed<Role | null>(() => me.value?.role ?? null);
  const signedIn = computed(() => token.value !== null);

  function can(required: Role): boolean {
    return role.value !== null && RANK[role.value] >= RANK[required];
  }

  let refreshTimer: ReturnType<typeof setTimeout> | null = null;

  function setToken(value: string | null): void {
    token.value = value;
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    scheduleRefresh(value);
  }

  function scheduleRefresh(value: string | null): void {
    if (refreshTimer !== null) clearTimeout(refreshTimer);
    refreshTimer = null;
    const delay = value ? refreshDelayMs(value) : null;
    if (delay !== null) refreshTimer = setTimeout(() => void refresh(), delay);
  }

  /** Exchanges the token for a new one; a refused refresh (401) ends the session like any 401. */
  async function refresh(): Promise<void> {
    const current = token.value;
    try {
      const answer = await api.auth.refresh();
      if (token.value === current) setToken(answer.access_token);
    } catch {
      // A 401 already expired the session; anything else leaves the token until it runs out.
    }
  }

  function expire(): void {
    setToken(null);
    me.value = null;
    onExpired?.();
  }

  bindSession({ token: () => token.value, onUnauthorized: expire });
  scheduleRefresh(token.value);

  async function login(username: string, password: string): Promise<void> {
    const answer = await api.auth.login(username, password);
    setToken(answer.access_token);
    passwordChangeRequired.value = answer.password_change_required;
    me.value = answer.password_change_required ? null : await api.auth.me();
  }

  /** Signs in with the one-time code single sign-on handed the Board. */
  async function loginWithSsoCode(code: string): Promise<void> {
    const answer = await redeemSsoCode(code);
    setToken(answer.access_token);
    passwordChangeRequired.value = answer.password_change_required;
    me.value = answer.password_change_required ? null : await api.auth.me();
  }

  /** Changes the caller's password; a forced change ends here and the Board opens up again. */
  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await api.auth.changePassword({ current_password: currentPassword, new_password: newPassword });
    passwordChangeRequired.value = false;
    me.value = await api.auth.me();
  }

  /** Loads who the caller is once per page load; a stale token ends in a 401 and so at /login. */
  async function ensureMe(): Promise<Me | null> {
    if (!token.value || passwordChangeRequired.value) return null;
    try {
      if (!me.value) me.value = await api.auth.me();
    } catch (err) {
      // A page reload in the middle of a forced change: the API still asks for it.
      if (err instanceof ApiError && err.problem.code === 'password_change_required') passwordChangeRequired.value = true;
      else throw err;
    }
    return me.value;
  }

  async function logout(): Promise<void> {
    try {
      if (token.value) await api.auth.logout();
    } finally {
      setToken(null);
      me.value = null;
      passwordChangeRequired.value = false;
    }
  }

  /** What happens when the API says the session is over (the router sends the user to /login). */
  function whenExpired(handler: () => void): void {
    onExpired = handler;
  }

  return { token, me, role, signedIn, returnTo, passwordChangeRequired, can, login, loginWithSsoCode, logout, changePassword, refresh, ensureMe, whenExpired };
});
