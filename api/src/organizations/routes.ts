import { IdParams } from '../http/params.js';
import type { ApiDeps } from '../http/deps.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { OrganizationCreate, OrganizationCreated, OrganizationListQuery, OrganizationOut, OrganizationPage, OrganizationUpdate } from './schema.js';
import { organizationCreatedOut, organizationOut } from './serialize.js';
import { createOrganization, getOrganization, listOrganizations, setOrganizationActive, updateOrganization } from './service.js';

/** Organizations (PRD 8): a platform administrator manages them all; an organization's admin sees their own. */
export function organizationRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/organizations',
      summary: 'List organizations: every one for a platform administrator, your own otherwise (admin only)',
      tag: 'organizations',
      role: 'admin',
      query: OrganizationListQuery,
      response: { status: 200, schema: OrganizationPage },
      handler: async ({ em, principal, query }) => {
        const page = await listOrganizations(em, principal, query);
        return {
          body: { items: page.items.map(organizationOut), total: page.total, limit: query.limit, offset: query.offset, platform_admin: page.platformAdmin },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/organizations',
      summary: 'Create an organization with its first admin user (platform administrator only)',
      tag: 'organizations',
      role: 'admin',
      body: OrganizationCreate,
      response: { status: 201, schema: OrganizationCreated },
      errors: [409],
      handler: async ({ em, principal, body, origin }) => {
        const { organization, admin } = await createOrganization(em, principal, body, origin);
        return { status: 201, body: organizationCreatedOut(organization, admin) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/organizations/:id',
      summary: 'Get an organization (yours, or any for a platform administrator)',
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: OrganizationOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: organizationOut(await getOrganization(em, principal, params.id)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/organizations/:id',
      summary: "Change an organization's name or settings",
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      body: OrganizationUpdate,
      response: { status: 200, schema: OrganizationOut },
      errors: [404],
      handler: async ({ em, principal, params, body, origin }) => ({
        body: organizationOut(await updateOrganization(em, principal, params.id, body, origin)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/organizations/:id/deactivate',
      summary: "Deactivate an organization: its data stays, its users and tokens are refused (403 organization_deactivated); platform administrator only",
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: OrganizationOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, origin }) => ({
        body: organizationOut(await setOrganizationActive(em, principal, params.id, false, origin)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/organizations/:id/activate',
      summary: 'Reactivate a deactivated organization (platform administrator only)',
      tag: 'organizations',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: OrganizationOut },
      errors: [404],
      handler: async ({ em, principal, params, origin }) => ({
        body: organizationOut(await setOrganizationActive(em, principal, params.id, true, origin)),
      }),
    }),
  ];
}
