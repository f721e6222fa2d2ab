import type { ApiDeps } from '../http/deps.js';
import type { AnyRoute } from '../http/route.js';

export function environmentRoutes(_deps: ApiDeps): AnyRoute[] {
  return [];
}
