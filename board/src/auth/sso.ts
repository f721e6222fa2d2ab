/**
 * Single sign-on for the login page (issue 17 item 6): whether an organization signs in with SSO,
 * and the exchange of the one-time code the API's callback hands the Board in the URL fragment
 * (`/login#sso_code=…`) for a session. The calls go through the Board's one HTTP client.
 */
import type { ResponseBody } from '@qatron/api-types';
import { request } from '../api/client';
import type { TokenResponse } from '../api/types';

export type SsoOptions = ResponseBody<'get_auth_oidc_organization_slug_options'>;

/** How the organization `slug` signs in; unknown slugs answer like organizations without SSO. */
export function ssoOptions(slug: string): Promise<SsoOptions> {
  return request<SsoOptions>('GET', `/api/v1/auth/oidc/${encodeURIComponent(slug)}/options`, undefined, { auth: false });
}

/** A session for the one-time code of a completed single sign-on. */
export function redeemSsoCode(code: string): Promise<TokenResponse> {
  return request<TokenResponse>('POST', '/api/v1/auth/oidc/session', { code }, { auth: false });
}

/** The one-time code in a fragment such as `#sso_code=…`, if any. */
export function ssoCodeOf(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('sso_code');
}
