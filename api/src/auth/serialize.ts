import type { ServiceToken, User } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { ServiceTokenOut, UserOut } from './schema.js';

export function userOut(user: User): z.output<typeof UserOut> {
  return {
    id: user.id,
    organization_id: user.organization,
    username: user.username,
    email: user.email,
    role: user.role,
    is_active: user.isActive,
    must_change_password: user.mustChangePassword,
    last_login_at: isoOrNull(user.lastLoginAt),
    created_at: iso(user.createdAt),
  };
}

export function serviceTokenOut(token: ServiceToken, now = new Date()): z.output<typeof ServiceTokenOut> {
  return {
    id: token.id,
    name: token.name,
    token_prefix: token.tokenPrefix,
    project_id: token.project,
    role: token.role,
    created_by: token.createdBy,
    created_at: iso(token.createdAt),
    expires_at: isoOrNull(token.expiresAt),
    last_used_at: isoOrNull(token.lastUsedAt),
    revoked_at: isoOrNull(token.revokedAt),
    is_active: token.isActiveAt(now),
  };
}
