import { request } from './client';
import type { CreatedOrganization, Organization, OrganizationInput, OrganizationPage } from './types';

export type { Organization, OrganizationInput, OrganizationPage };

/** Organizations (PRD 8): a platform administrator creates and deactivates them; an org admin sees their own. */
export const organizationsApi = {
  list: () => request<OrganizationPage>('GET', '/api/v1/organizations?limit=200'),
  create: (body: OrganizationInput) => request<CreatedOrganization>('POST', '/api/v1/organizations', body),
  deactivate: (id: number) => request<Organization>('POST', `/api/v1/organizations/${id}/deactivate`),
  activate: (id: number) => request<Organization>('POST', `/api/v1/organizations/${id}/activate`),
};
