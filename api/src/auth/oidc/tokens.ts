import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { badRequest } from '../../http/problems.js';
import { type Provider, providerUnavailable } from './discovery.js';

const REQUEST_TIMEOUT_MS = 10_000;

/** A token response (RFC 6749 5.1) of the authorization code grant with OpenID Connect. */
const TokenResponse = z.object({ id_token: z.string(), access_token: z.string().optional(), token_type: z.string().optional() });
const TokenError = z.object({ error: z.string(), error_description: z.string().optional() });
const UserInfo = z.looseObject({ sub: z.string() });

/** The client QAtron is at the provider: its id and its secret (resolved by name, never stored). */
export interface Client {
  id: string;
  secret: string;
}

/**
 * Exchanges an authorization code for tokens at the token endpoint, authenticating with
 * client_secret_basic (RFC 6749 2.3.1: id and secret form-encoded before base64) and proving
 * possession of the PKCE verifier (RFC 7636 4.5). A refused code is the caller's 400.
 */
export async function exchangeCode(
  provider: Provider,
  client: Client,
  grant: { code: string; redirectUri: string; codeVerifier: string },
): Promise<{ idToken: string; accessToken: string | undefined }> {
  const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64');
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.codeVerifier });
  let res: Response;
  try {
    res = await fetch(provider.metadata.token_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw providerUnavailable(`The token endpoint could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const refusal = TokenError.safeParse(body);
    if (refusal.success && refusal.data.error === 'invalid_client') throw providerUnavailable('The provider refused the client credentials (invalid_client): check client_id and the client secret');
    if (refusal.success) throw badRequest(`The provider refused the code: ${refusal.data.error}${refusal.data.error_description ? ` (${refusal.data.error_description})` : ''}`, 'sso_code_refused');
    throw providerUnavailable(`The token endpoint answered HTTP ${res.status}`);
  }
  const tokens = TokenResponse.safeParse(body);
  if (!tokens.success) throw providerUnavailable('The token endpoint answered no ID token');
  return { idToken: tokens.data.id_token, accessToken: tokens.data.access_token };
}

/**
 * The ID token's claims after the checks of OpenID Connect Core 3.1.3.7: signed by one of the
 * provider's keys (asymmetric algorithms only), issued by the configured issuer for this client,
 * not expired, and carrying the nonce this browser's login was started with (no replayed token).
 */
export async function verifyIdToken(provider: Provider, idToken: string, expected: { issuer: string; clientId: string; nonce: string }): Promise<JWTPayload & { sub: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, provider.keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      clockTolerance: 60,
      requiredClaims: ['sub', 'iat', 'exp'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw badRequest(`The ID token was refused: ${error.message}`, 'sso_id_token_invalid');
    throw error;
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expected.clientId) {
    throw badRequest('The ID token was refused: it was issued to another party (azp)', 'sso_id_token_invalid');
  }
  if (payload.nonce !== expected.nonce) throw badRequest('The ID token was refused: its nonce is not the one this sign-in sent', 'sso_nonce_mismatch');
  if (typeof payload.sub !== 'string' || payload.sub === '') throw badRequest('The ID token was refused: it has no subject', 'sso_id_token_invalid');
  return { ...payload, sub: payload.sub };
}

/**
 * The userinfo claims (Core 5.3) of the same subject, for providers that put email and groups
 * there rather than in the ID token; none when the provider has no userinfo endpoint.
 */
export async function fetchUserInfo(provider: Provider, accessToken: string | undefined, subject: string): Promise<Record<string, unknown>> {
  if (!provider.metadata.userinfo_endpoint || !accessToken) return {};
  let body: unknown;
  try {
    const res = await fetch(provider.metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (error) {
    throw providerUnavailable(`The userinfo endpoint failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const info = UserInfo.safeParse(body);
  // Core 5.3.2: a userinfo answer about another subject must not be used.
  if (!info.success || info.data.sub !== subject) throw providerUnavailable('The userinfo endpoint answered for another subject');
  return info.data;
}
