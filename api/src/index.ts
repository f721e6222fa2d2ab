export { createApp, allRoutes, API_VERSION } from './app.js';
export { buildApiDeps, startApiServer, type ApiServer } from './server.js';
export type { ApiDeps } from './http/deps.js';
