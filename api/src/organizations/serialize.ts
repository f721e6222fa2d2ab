import type { Organization, User } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { OrganizationCreated, OrganizationOut } from './schema.js';

export function organizationOut(organization: Organization): z.output<typeof OrganizationOut> {
  return {
    id: organization.id,
    name: organization.name,
    slug: organization.slug,
    is_active: organization.isActive,
    deactivated_at: isoOrNull(organization.deactivatedAt),
    settings: organization.settings,
    created_at: iso(organization.createdAt),
    updated_at: iso(organization.updatedAt),
  };
}

export function organizationCreatedOut(organization: Organization, admin: User): z.output<typeof OrganizationCreated> {
  return { ...organizationOut(organization), admin: { id: admin.id, username: admin.username, email: admin.email } };
}
