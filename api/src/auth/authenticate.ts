import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import { hashServiceToken, RevokedSession, ServiceToken, User } from '@qatron/domain';
import { Problem } from '../http/problems.js';
import type { Authenticator } from '../http/route.js';
import type { Principal } from '../http/principal.js';
import { looksLikeJwt, type SessionSigner } from './sessions.js';

/** What a user whose password an admin reset may still do (issue 13 item 4): change it, or leave. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['POST /api/v1/auth/password', 'POST /api/v1/auth/logout']);

/** `last_used_at` is written at most this often per token, so that CI polling does not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The bearer token of a request, if any. */
export function bearerToken(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Resolves `Authorization: Bearer` to a principal: a session JWT (checked against the user's
 * current role and state, and the revocation list) or a service token (by its hash). The user's
 * role is read from the database on every request so that a role change applies at once.
 */
export function createAuthenticator(signer: SessionSigner, now: () => Date = () => new Date()): Authenticator {
  return async (ctx, em) => {
    const token = bearerToken(ctx);
    if (!token) return undefined;
    if (!looksLikeJwt(token)) return servicePrincipal(token, em, now());
    const principal = await userPrincipal(signer, token, em);
    if (principal?.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(`${ctx.method} ${ctx.path}`)) {
      throw new Problem(403, 'password_change_required', 'Forbidden', 'An admin reset your password: change it (POST /api/v1/auth/password) before anything else');
    }
    return principal?.value;
  };
}

async function userPrincipal(signer: SessionSigner, token: string, em: EntityManager): Promise<{ value: Principal; mustChangePassword: boolean } | undefined> {
  const claims = await signer.verify(token);
  if (!claims) return undefined;
  const [user, revoked] = await Promise.all([
    em.findOne(User, { id: claims.userId }),
    em.findOne(RevokedSession, { jti: claims.jti }),
  ]);
  if (!user || !user.isActive || revoked) return undefined;
  const value: Principal = {
    kind: 'user',
    organizationId: user.organization,
    role: user.role,
    name: user.username,
    userId: user.id,
    serviceTokenId: null,
    projectId: null,
    session: { jti: claims.jti, expiresAt: claims.expiresAt },
  };
  return { value, mustChangePassword: user.mustChangePassword };
}

async function servicePrincipal(token: string, em: EntityManager, now: Date): Promise<Principal | undefined> {
  const serviceToken = await em.findOne(ServiceToken, { tokenHash: hashServiceToken(token) });
  if (!serviceToken || !serviceToken.isActiveAt(now)) return undefined;
  if (!serviceToken.lastUsedAt || now.getTime() - serviceToken.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(ServiceToken, { id: serviceToken.id }, { lastUsedAt: now });
  }
  return {
    kind: 'service_token',
    organizationId: serviceToken.organization,
    role: serviceToken.role,
    name: `token:${serviceToken.name}`,
    userId: null,
    serviceTokenId: serviceToken.id,
    projectId: serviceToken.project,
    session: null,
  };
}
