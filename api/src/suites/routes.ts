import type { ApiDeps } from '../http/deps.js';
import type { AnyRoute } from '../http/route.js';

export function suiteRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
