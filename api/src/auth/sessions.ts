import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { Role } from '@qatron/domain';

/** Claims of a QAtron session token. */
export interface SessionClaims {
  userId: number;
  organizationId: number;
  role: Role;
  jti: string;
  expiresAt: Date;
}

const ISSUER = 'qatron';
const AUDIENCE = 'qatron-api';

/**
 * Signs and verifies user session JWTs (HS256, jose). Expiry is configurable, default 30 minutes
 * (NFR-SEC-02); every token carries a `jti` so that logout can revoke it.
 */
export class SessionSigner {
  private readonly key: Uint8Array;
  constructor(
    secret: string,
    readonly expiresMinutes: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(user: { id: number; organization: number; role: Role }): Promise<{ token: string; expiresIn: number; jti: string }> {
    const jti = randomUUID();
    const expiresIn = this.expiresMinutes * 60;
    const token = await new SignJWT({ org: user.organization, role: user.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(user.id))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.key);
    return { token, expiresIn, jti };
  }

  /** The claims of a valid token; undefined when it is malformed, forged or expired. */
  async verify(token: string): Promise<SessionClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const userId = Number(payload.sub);
      if (!Number.isInteger(userId) || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return undefined;
      return {
        userId,
        organizationId: Number(payload.org),
        role: payload.role as Role,
        jti: payload.jti,
        expiresAt: new Date(payload.exp * 1000),
      };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
  }
}

/** Whether a bearer token looks like a JWT (three base64url parts) rather than a service token. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
