export { createRunActivities } from './runs.js';
export type { ActivityDeps } from './deps.js';
