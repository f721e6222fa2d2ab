import { request } from './client';
import type { Page } from './types';

/** An organization as GET /api/v1/organizations answers it. */
export interface Organization {
  id: number;
  name: string;
  slug: string;
  is_active: boolean;
  deactivated_at: string | null;
  settings: { description?: string; contact_email?: string };
  created_at: string;
  updated_at: string;
}

/** The list answer: a page, and whether the caller is a platform administrator. */
export type OrganizationPage = Page<Organization> & { platform_admin: boolean };

export interface OrganizationInput {
  name: string;
  slug?: string;
  settings?: Organization['settings'];
  admin: { username: string; email: string; password: string };
}

/** Organizations (PRD 8): a platform administrator creates and deactivates them; an org admin sees their own. */
export const organizationsApi = {
  list: () => request<OrganizationPage>('GET', '/api/v1/organizations?limit=200'),
  create: (body: OrganizationInput) => request<Organization & { admin: { id: number; username: string; email: string } }>('POST', '/api/v1/organizations', body),
  deactivate: (id: number) => request<Organization>('POST', `/api/v1/organizations/${id}/deactivate`),
  activate: (id: number) => request<Organization>('POST', `/api/v1/organizations/${id}/activate`),
};
