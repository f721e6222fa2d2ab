import type { ApiDeps } from '../http/deps.js';
import type { AnyRoute } from '../http/route.js';

export function runRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
