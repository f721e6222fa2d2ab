import { defineEntity, p } from '@mikro-orm/core';
import { z } from 'zod';
import { BaseEntity, baseProperties } from './base.js';

/** An organization's own settings (the `settings` JSON column), as the API reads and writes them. */
export const OrganizationSettings = z
  .object({
    /** Shown in the Board; free text. */
    description: z.string().max(500).optional().describe('What the organization is, shown in the Board'),
    /** Who runs this organization, for the platform administrator. */
    contact_email: z.email().max(320).optional().describe('Who to contact about this organization'),
  })
  .strict();
export type OrganizationSettings = z.infer<typeof OrganizationSettings>;

/**
 * The tenant (PRD 8): every project, user and token belongs to one. The Default Organization is
 * seeded at first start; a platform administrator creates the others. A deactivated organization
 * keeps its data, but its users and service tokens are refused.
 */
export class Organization extends BaseEntity {
  name: string;
  slug: string;
  isActive = true;
  deactivatedAt: Date | null = null;
  settings: OrganizationSettings = {};
  constructor(name: string, slug: string) {
    super();
    this.name = name;
    this.slug = slug;
  }
}

export const OrganizationSchema = defineEntity({
  class: Organization,
  tableName: 'organizations',
  properties: {
    ...baseProperties,
    name: p.string().length(200),
    slug: p.string().length(100).unique(),
    isActive: p.boolean().default(true),
    deactivatedAt: p.datetime().nullable(),
    settings: p.json<OrganizationSettings>().default('{}'),
  },
});
