import { z } from 'zod';
import { ROLES } from '@qatron/domain';

const username = z
  .string()
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(150)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'may contain letters, digits and _ . @ - only');
/**
 * An email address as RFC 5321 limits it (local part at most 64 characters, domain labels at most
 * 63, 254 in all), not only by zod's shape: the OpenAPI document says `format: email`, and an
 * address the API stored but a client's validator refuses would make the API's own answers invalid.
 */
export const EmailAddress = z
  .email({
    pattern: /^(?=[^@]{1,64}@)(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
    error: 'must be an email address',
  })
  .max(254);

/** A new password's rules: for registration, change and admin reset. */
export const NewPassword = z.string().min(8, 'must be at least 8 characters').max(200);
const password = NewPassword;

/** OAuth2 password form (FR-AUTH-01): `username`, `password`, optional `grant_type=password`. */
export const LoginForm = z.object({
  username: z.string().trim().min(1, 'is required').max(150),
  password: z.string().min(1, 'is required').max(200),
  grant_type: z.literal('password').optional(),
  scope: z.string().optional(),
});

export const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().describe('Seconds until the token expires'),
  password_change_required: z
    .boolean()
    .describe('An admin reset the password: every call but POST /api/v1/auth/password and logout answers 403 password_change_required until it is changed'),
});

export const RegisterBody = z.object({
  username,
  email: EmailAddress,
  password,
  role: z.enum(ROLES).default('user').describe('Role of the new user; default user'),
});

export const PasswordChange = z.object({
  current_password: z.string().min(1, 'is required').max(200),
  new_password: password,
});

export const UserOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  username: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  is_active: z.boolean(),
  must_change_password: z.boolean().describe('Set by an admin reset; cleared when the user changes the password'),
  last_login_at: z.iso.datetime().nullable(),
  created_at: z.iso.datetime(),
});

export const MeOut = z.object({
  kind: z.enum(['user', 'service_token']),
  organization_id: z.number().int(),
  role: z.enum(ROLES),
  name: z.string(),
  user: UserOut.nullable(),
  service_token_id: z.number().int().nullable(),
  project_id: z.number().int().nullable(),
});

export const ServiceTokenCreate = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  project_id: z.number().int().positive().nullable().optional().describe('Scope the token to one project; omit for the whole organization'),
  role: z.enum(ROLES).default('user').describe('What the token may do; CI usually needs user (trigger runs)'),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional().describe('Optional expiry; omit for a token that lasts until revoked (NFR-SEC-05)'),
});

export const ServiceTokenOut = z.object({
  id: z.number().int(),
  name: z.string(),
  token_prefix: z.string().describe('The first characters of the token, to tell tokens apart'),
  project_id: z.number().int().nullable(),
  role: z.enum(ROLES),
  created_by: z.number().int().nullable(),
  created_at: z.iso.datetime(),
  expires_at: z.iso.datetime().nullable(),
  last_used_at: z.iso.datetime().nullable(),
  revoked_at: z.iso.datetime().nullable(),
  is_active: z.boolean(),
});

export const ServiceTokenCreated = ServiceTokenOut.extend({
  token: z.string().describe('The token itself; shown this once and never again'),
});

