import type { Authenticator } from '../http/route.js';
import { requireActiveOrganization } from './service.js';

/**
 * Wraps the authenticator so that a deactivated organization's users and service tokens are
 * refused (403 organization_deactivated) on every authenticated route, whatever their token.
 */
export function refusingDeactivatedOrganizations(authenticate: Authenticator): Authenticator {
  return async (ctx, em) => {
    const principal = await authenticate(ctx, em);
    if (principal) await requireActiveOrganization(em, principal.organizationId);
    return principal;
  };
}
