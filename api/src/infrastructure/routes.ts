import type { ApiDeps } from '../http/deps.js';
import type { AnyRoute } from '../http/route.js';

export function infrastructureRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
