import type { Role } from '@qatron/domain';

/** Who is calling: a signed-in user (JWT) or a service token (CI). */
export interface Principal {
  kind: 'user' | 'service_token';
  organizationId: number;
  role: Role;
  /** Shown in audit entries and run triggers: the username, or `token:<name>`. */
  name: string;
  userId: number | null;
  serviceTokenId: number | null;
  /** A project-scoped token sees and acts on this project only. */
  projectId: number | null;
  /** For JWTs: the id and expiry, so that logout can revoke this very session. */
  session: { jti: string; expiresAt: Date } | null;
}

/** The request facts an audit entry records. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}
