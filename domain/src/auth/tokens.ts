import { createHash, randomBytes } from 'node:crypto';

/** Prefix that marks QAtron service tokens, so they are recognisable in logs and secret scanners. */
export const SERVICE_TOKEN_PREFIX = 'qat_';

/** A new service token: 256 random bits, shown once; only its hash is stored (FR-AUTH-05). */
export function generateServiceToken(): { token: string; hash: string; displayPrefix: string } {
  const token = SERVICE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashServiceToken(token), displayPrefix: token.slice(0, 12) };
}

/** SHA-256 of a token, hex: the stored form and the lookup key. */
export function hashServiceToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
