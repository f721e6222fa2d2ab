/** Light control work (database, planning, reporting) — any worker, high concurrency. */
export const CONTROL_TASK_QUEUE = 'qatron-control';
/** Test execution — one slot per parallel shard a worker can run. */
export const SHARDS_TASK_QUEUE = 'qatron-shards';
