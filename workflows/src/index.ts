/** The workflows a QAtron worker registers (deterministic code only: see the lint rules for workflows/). */
export { runWorkflow, progressQuery, shardProgressSignal } from './run.js';
export * from './run-contract.js';
export { retentionWorkflow, retentionWorkflowId, type RetentionResult, type RetentionWorkflowInput } from './retention.js';
export { sweepWorkflow, type SweepResult } from './sweep.js';
export { featureIngestionWorkflow } from './features.js';
export { datasetValidationWorkflow } from './dataset-validation.js';
