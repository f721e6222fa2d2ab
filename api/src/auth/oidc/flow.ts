import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrganizationSso, SsoLogin, User } from '@qatron/domain';
import { badRequest, notFound } from '../../http/problems.js';
import type { RequestOrigin } from '../../http/principal.js';
import { requireActiveOrganization } from '../../organizations/service.js';
import type { SessionSigner } from '../sessions.js';
import { resolveClientSecret, type SecretSource } from './client-secret.js';
import { discoverProvider } from './discovery.js';
import { CALLBACK_PATH, ssoOfSlug } from './settings.js';
import { exchangeCode, fetchUserInfo, verifyIdToken } from './tokens.js';
import { signInUser } from './users.js';

/** How long a browser has at its provider between the redirect and the callback. */
export const LOGIN_TTL_SECONDS = 600;
/** How long the Board has to exchange the one-time code the callback hands it. */
const HANDOFF_TTL_SECONDS = 60;

const random = (bytes: number) => randomBytes(bytes).toString('base64url');
const sha256 = (text: string, encoding: 'base64url' | 'hex') => createHash('sha256').update(text).digest(encoding);

const stateInvalid = () =>
  badRequest("This sign-in response does not belong to a sign-in started in this browser, or it expired or was used already: sign in again", 'sso_state_invalid');

/**
 * Starts single sign-on for the organization `slug` (authorization code flow with PKCE, RFC 7636):
 * a fresh state, nonce and S256 verifier are kept server-side, and the browser is sent to the
 * provider's authorization endpoint. The caller binds the state to the browser with a cookie.
 */
export async function startSsoLogin(em: EntityManager, slug: string, apiOrigin: string, now = new Date()): Promise<{ location: string; state: string }> {
  const found = await ssoOfSlug(em, slug);
  if (!found) throw notFound(`Single sign-on of organization ${slug}`);
  const { sso } = found;
  const provider = await discoverProvider(sso.issuer);
  const login = new SsoLogin(sso.organization, random(32), random(32), random(48), apiOrigin + CALLBACK_PATH, new Date(now.getTime() + LOGIN_TTL_SECONDS * 1000));
  await em.persist(login).flush();
  const location = new URL(provider.metadata.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: sso.clientId,
    redirect_uri: login.redirectUri,
    scope: sso.scopes,
    state: login.state,
    nonce: login.nonce,
    code_challenge: sha256(login.codeVerifier, 'base64url'),
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) location.searchParams.set(name, value);
  return { location: location.href, state: login.state };
}

/** The provider's answer on the callback, and the state this browser's cookie holds. */
export interface CallbackInput {
  state: string | undefined;
  code: string | undefined;
  error: string | undefined;
  errorDescription: string | undefined;
  cookieState: string | undefined;
}

/** The sign-in this callback belongs to, claimed once: its state matches this browser's cookie and has not expired. */
async function claimLogin(em: EntityManager, input: CallbackInput, now: Date): Promise<SsoLogin> {
  if (!input.state || input.state !== input.cookieState) throw stateInvalid();
  const login = await em.findOne(SsoLogin, { state: input.state });
  if (!login || login.completedAt || login.expiresAt <= now) throw stateInvalid();
  // Conditional on still being open: of two callbacks racing with the same state, one wins.
  const claimed = await em.nativeUpdate(SsoLogin, { id: login.id, completedAt: null }, { completedAt: now });
  if (claimed !== 1) throw stateInvalid();
  login.completedAt = now;
  return login;
}

/**
 * Completes single sign-on: exchanges the code (client secret and PKCE verifier), verifies the ID
 * token against the provider's keys (issuer, audience, expiry, nonce), matches or creates the user,
 * and answers a one-time code the Board exchanges for a session (never a token in a URL).
 */
export async function completeSsoLogin(em: EntityManager, secrets: SecretSource, input: CallbackInput, origin: RequestOrigin, now = new Date()): Promise<{ handoffCode: string }> {
  const login = await claimLogin(em, input, now);
  if (input.error) throw badRequest(`The provider refused the sign-in: ${input.error}${input.errorDescription ? ` (${input.errorDescription})` : ''}`, 'sso_refused');
  if (!input.code) throw badRequest('The provider sent no authorization code', 'sso_refused');
  const sso = await em.findOne(OrganizationSso, { organization: login.organization });
  if (!sso) throw stateInvalid();
  await requireActiveOrganization(em, sso.organization);
  const provider = await discoverProvider(sso.issuer);
  const client = { id: sso.clientId, secret: resolveClientSecret(sso.clientSecretName, secrets) };
  const tokens = await exchangeCode(provider, client, { code: input.code, redirectUri: login.redirectUri, codeVerifier: login.codeVerifier });
  const idClaims = await verifyIdToken(provider, tokens.idToken, { issuer: sso.issuer, clientId: sso.clientId, nonce: login.nonce });
  const userInfo = await fetchUserInfo(provider, tokens.accessToken, idClaims.sub);
  const user = await signInUser(em, sso, { ...userInfo, ...idClaims }, origin, now);
  const handoffCode = random(32);
  login.user = user.id;
  login.handoffHash = sha256(handoffCode, 'hex');
  login.expiresAt = new Date(now.getTime() + HANDOFF_TTL_SECONDS * 1000);
  await em.flush();
  return { handoffCode };
}

/**
 * A normal QAtron session for the one-time code of a completed sign-in: accepted once, within a
 * minute of the callback, for a user and organization still active.
 */
export async function redeemHandoff(em: EntityManager, signer: SessionSigner, code: string, now = new Date()): Promise<{ token: string; expiresIn: number; passwordChangeRequired: boolean }> {
  const refused = () => badRequest('The sign-in code is unknown, expired or used already: sign in again', 'sso_code_invalid');
  const login = await em.findOne(SsoLogin, { handoffHash: sha256(code, 'hex') });
  if (!login || login.user === null || login.redeemedAt || login.expiresAt <= now) throw refused();
  if ((await em.nativeUpdate(SsoLogin, { id: login.id, redeemedAt: null }, { redeemedAt: now })) !== 1) throw refused();
  const user = await em.findOne(User, { id: login.user });
  if (!user || !user.isActive) throw refused();
  await requireActiveOrganization(em, user.organization);
  const session = await signer.sign(user);
  return { token: session.token, expiresIn: session.expiresIn, passwordChangeRequired: user.mustChangePassword };
}
