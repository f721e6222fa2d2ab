/**
 * Run workflows live here (deterministic code only: see the lint rules for workflows/). The run
 * workflow arrives with the run engine; until then no workflow is registered.
 */
export {};
