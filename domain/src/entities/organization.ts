import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';

/** The tenant (PRD 8): one installation has exactly one, the Default Organization. */
export class Organization extends BaseEntity {
  name: string;
  slug: string;
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
  },
});
