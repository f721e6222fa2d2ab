/**
 * Every side effect of a run (DESIGN "Module boundaries"): the factories that implement the
 * workflow contract's activity interfaces (`@qatron/domain/contract`) from the worker's dependencies.
 */
export { createRunActivities } from './runs/index.js';
export type { ActivityDeps } from './deps.js';
export { createRetentionActivities } from './retention.js';
export { createPurgeActivities } from './purge/index.js';
export { createFeatureActivities, ingestCheckout, ingestionRecord, readFeatureFiles, scenarioLabels } from './features.js';
export { createNotificationActivities, type NotificationSettings } from './notifications/index.js';
export { createScheduleActivities, type ScheduleActivityDeps } from './schedules/index.js';
export { createDatasetValidationActivities, type DatasetValidationResult, type ValidationReport } from './dataset-validation.js';
export { pruneWorkerCaches } from './worker-caches.js';
export { ridingDatabaseOutages, untilDatabaseAnswers } from './database-outage.js';
