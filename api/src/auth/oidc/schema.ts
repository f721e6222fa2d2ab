import { z } from 'zod';
import { ROLES, SsoGroupRoles } from '@qatron/domain';

/** A secret's name as workers resolve them: an environment variable or a file name in SECRETS_DIR. */
const SecretName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a secret name (letters, digits, _ . -), never the secret itself')
  .max(255);

const scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be an OAuth scope token (RFC 6749 3.3)');

/** `PUT /api/v1/organizations/{id}/sso`: the organization's OpenID Connect settings, replaced whole. */
export const SsoSettingsInput = z.object({
  issuer: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(500)
    .describe("The OpenID Provider's issuer identifier; discovery reads <issuer>/.well-known/openid-configuration"),
  client_id: z.string().trim().min(1, 'is required').max(255),
  client_secret_name: SecretName.describe('Name of the secret holding the client secret (API environment variable or file in SECRETS_DIR); the value is never stored'),
  scopes: z
    .array(scope)
    .max(20)
    .default(['openid', 'email', 'profile'])
    .transform((scopes) => (scopes.includes('openid') ? scopes : ['openid', ...scopes]))
    .describe('Scopes to ask for; openid is added when missing'),
  groups_claim: z.string().trim().min(1).max(200).default('groups').describe('The claim listing the user\'s groups'),
  group_roles: SsoGroupRoles.default({}).describe('Group name → role; a user in several mapped groups gets the highest role'),
  default_role: z.enum(ROLES).default('viewer').describe('Role of a user in none of the mapped groups'),
  password_login_disabled: z
    .boolean()
    .default(false)
    .describe("Refuse password login (403 password_login_disabled) to the organization's users; the platform administrator keeps it"),
});
export type SsoSettingsInput = z.output<typeof SsoSettingsInput>;

export const SsoSettingsOut = z.object({
  organization_id: z.number().int(),
  issuer: z.string(),
  client_id: z.string(),
  client_secret_name: z.string(),
  scopes: z.array(z.string()),
  groups_claim: z.string(),
  group_roles: SsoGroupRoles,
  default_role: z.enum(ROLES),
  password_login_disabled: z.boolean(),
  /** Where to register QAtron at the provider (as the API sees its own origin). */
  redirect_uri: z.string().describe('The redirect URI to register at the provider'),
  updated_at: z.iso.datetime(),
});

/** `/api/v1/auth/oidc/{organization_slug}...` */
export const OrganizationSlugParams = z.object({ organization_slug: z.string().trim().min(1).max(100) });

/** What the Board's login page needs to know about an organization, without signing in. */
export const SsoDiscoveryOut = z.object({
  sso_enabled: z.boolean(),
  password_login_enabled: z.boolean(),
  login_url: z.string().nullable().describe('Where a browser starts single sign-on; null without SSO'),
});

export const SsoCallbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

/** `POST /api/v1/auth/oidc/session`: the one-time code the callback handed to the Board. */
export const SsoHandoff = z.object({ code: z.string().min(1, 'is required').max(200) });
