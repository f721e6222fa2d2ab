export { createRunActivities } from './runs.js';
export type { ActivityDeps } from './deps.js';
export { createRetentionActivities, type RetentionActivities } from './retention.js';
