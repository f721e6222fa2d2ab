/** The workflows a QAtron worker registers (deterministic code only: see the lint rules for workflows/). */
export { runWorkflow, progressQuery, shardProgressSignal } from './run.js';
export * from './run-contract.js';
