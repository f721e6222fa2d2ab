import { defineEntity, p } from '@mikro-orm/core';

/**
 * A signed-out JWT (by its `jti`), refused until it would have expired anyway. Rows past
 * `expiresAt` carry no information and are swept by the daily cleanup.
 */
export class RevokedSession {
  jti: string;
  expiresAt: Date;
  constructor(jti: string, expiresAt: Date) {
    this.jti = jti;
    this.expiresAt = expiresAt;
  }
}

export const RevokedSessionSchema = defineEntity({
  class: RevokedSession,
  tableName: 'revoked_sessions',
  properties: {
    jti: p.string().length(64).primary(),
    expiresAt: p.datetime().index(),
  },
});
