/**
 * The workflows a QAtron worker registers (deterministic code only: see the lint rules for
 * workflows/). Their types, inputs, results and activities are the contract in domain
 * (`@qatron/domain/contract`): clients and activities import that, never this package.
 */
import type { QatronWorkflows } from '@qatron/domain/contract';
import { datasetValidationWorkflow } from './dataset-validation.js';
import { featureIngestionWorkflow } from './features.js';
import { notifyRunWorkflow } from './notify-run.js';
import { purgeWorkflow } from './purge.js';
import { retentionWorkflow } from './retention.js';
import { runWorkflow } from './run.js';
import { scheduledRunWorkflow } from './scheduled-run.js';
import { sweepWorkflow } from './sweep.js';

export { datasetValidationWorkflow, featureIngestionWorkflow, retentionWorkflow, runWorkflow, scheduledRunWorkflow, sweepWorkflow };
export { notifyRunWorkflow };
export { purgeWorkflow };

/** Fails to compile when an exported workflow's name or signature drifts from the contract's. */
type Implements<T extends QatronWorkflows> = T;
export type RegisteredWorkflows = Implements<{
  runWorkflow: typeof runWorkflow;
  retentionWorkflow: typeof retentionWorkflow;
  sweepWorkflow: typeof sweepWorkflow;
  featureIngestionWorkflow: typeof featureIngestionWorkflow;
  datasetValidationWorkflow: typeof datasetValidationWorkflow;
  scheduledRunWorkflow: typeof scheduledRunWorkflow;
  notifyRunWorkflow: typeof notifyRunWorkflow;
  purgeWorkflow: typeof purgeWorkflow;
}>;
