import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { Problem } from '../../http/problems.js';

/** The parts of OpenID Provider metadata (OpenID Connect Discovery 1.0, section 3) the login uses. */
const ProviderMetadata = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url().optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
export type ProviderMetadata = z.infer<typeof ProviderMetadata>;

export interface Provider {
  metadata: ProviderMetadata;
  /** The provider's signing keys, fetched on demand and refetched when a token names an unknown key. */
  keys: JWTVerifyGetKey;
}

/** Metadata is re-read this often, so a provider's changed endpoints reach a running API. */
const METADATA_TTL_MS = 10 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

const cache = new Map<string, { provider: Provider; fetchedAt: number }>();

/** The provider could not be reached or answered nonsense: nothing the user can fix, so 502. */
export const providerUnavailable = (detail: string) => new Problem(502, 'sso_provider_unavailable', 'Bad gateway', detail);

/**
 * The provider of `issuer`, from `<issuer>/.well-known/openid-configuration`. The metadata must name
 * the same issuer (Discovery 4.3: otherwise another provider could impersonate it) and support
 * PKCE's S256 when it lists methods at all.
 */
export async function discoverProvider(issuer: string, now = Date.now()): Promise<Provider> {
  const cached = cache.get(issuer);
  if (cached && now - cached.fetchedAt < METADATA_TTL_MS) return cached.provider;
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (error) {
    throw providerUnavailable(`OpenID discovery at ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ProviderMetadata.safeParse(body);
  if (!parsed.success) throw providerUnavailable(`OpenID discovery at ${url} answered no usable metadata: ${parsed.error.issues[0]?.message ?? ''}`);
  const metadata = parsed.data;
  if (metadata.issuer !== issuer) throw providerUnavailable(`OpenID discovery at ${url} names issuer ${metadata.issuer}, not ${issuer}`);
  if (metadata.code_challenge_methods_supported && !metadata.code_challenge_methods_supported.includes('S256')) {
    throw providerUnavailable(`The provider ${issuer} does not support PKCE with S256`);
  }
  const provider = { metadata, keys: createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: REQUEST_TIMEOUT_MS }) };
  cache.set(issuer, { provider, fetchedAt: now });
  return provider;
}
