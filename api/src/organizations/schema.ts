import { z } from 'zod';
import { OrganizationSettings } from '@qatron/domain';
import { EmailAddress } from '../auth/schema.js';
import { PageQuery, pageOf } from '../http/pagination.js';

const name = z.string().trim().min(1, 'is required').max(200);

/** The domain's settings, with the contact address held to the API's email rules (EmailAddress). */
const Settings = OrganizationSettings.extend({
  contact_email: EmailAddress.optional().describe('Who to contact about this organization'),
});

/** A slug names the organization in URLs and the CLI: lower-case letters, digits and dashes. */
const slug = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(100)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'may contain lower-case letters, digits and - only, starting with a letter or digit');

/** `POST /api/v1/organizations`: the organization and its first admin. */
export const OrganizationCreate = z.object({
  name,
  slug: slug.optional().describe('Defaults to the name in lower case with dashes'),
  settings: Settings.default({}),
  admin: z
    .object({
      username: z
        .string()
        .trim()
        .min(3, 'must be at least 3 characters')
        .max(150)
        .regex(/^[A-Za-z0-9_.@-]+$/, 'may contain letters, digits and _ . @ - only'),
      email: EmailAddress,
      password: z.string().min(8, 'must be at least 8 characters').max(200).describe('Initial password of the first admin'),
    })
    .describe("The organization's first admin user"),
});
export type OrganizationCreateInput = z.output<typeof OrganizationCreate>;

/** `PUT /api/v1/organizations/{id}`: what may change after creation. */
export const OrganizationUpdate = z
  .object({ name: name.optional(), settings: Settings.optional() })
  .refine((body) => body.name !== undefined || body.settings !== undefined, 'name or settings is required')
  .meta({ anyOf: [{ required: ['name'] }, { required: ['settings'] }] });
export type OrganizationUpdateInput = z.output<typeof OrganizationUpdate>;

export const OrganizationListQuery = PageQuery.extend({
  is_active: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('Only active (true) or deactivated (false) organizations'),
});
export type OrganizationListFilter = z.output<typeof OrganizationListQuery>;

export const OrganizationOut = z.object({
  id: z.number().int(),
  name: z.string(),
  slug: z.string(),
  is_active: z.boolean(),
  deactivated_at: z.iso.datetime().nullable(),
  settings: Settings,
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

export const OrganizationCreated = OrganizationOut.extend({
  admin: z.object({ id: z.number().int(), username: z.string(), email: z.string() }),
});

/** The list answer: a page, and whether the caller may create and deactivate organizations (the Board shows those controls). */
export const OrganizationPage = pageOf(OrganizationOut).extend({
  platform_admin: z.boolean().describe('Whether the caller is a platform administrator'),
});
