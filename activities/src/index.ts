export { createRunActivities } from './runs/index.js';
export type { ActivityDeps } from './deps.js';
export { createRetentionActivities, type RetentionActivities } from './retention.js';
export { createFeatureActivities, ingestCheckout, ingestionRecord, readFeatureFiles, scenarioLabels, type FeatureActivities } from './features.js';
export { createDatasetValidationActivities, type DatasetValidationActivities, type DatasetValidationResult, type ValidationReport } from './dataset-validation.js';
export { pruneWorkerCaches } from './worker-caches.js';
export { ridingDatabaseOutages, untilDatabaseAnswers } from './database-outage.js';
