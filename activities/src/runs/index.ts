/**
 * The run workflow's activities, one module per activity (samples-typescript): provisioning,
 * shard, reporting, verdict and status moves, each built from the worker's dependencies. Each is
 * idempotent, since Temporal retries an activity whose worker died: status moves check the status
 * model, shard results replace the shard's previous attempt, the verdict is written once.
 */
import type { RunActivities } from '@qatron/domain';
import type { ActivityDeps } from '../deps.js';
import { createRunContext } from './context.js';
import { createFinalizeActivities } from './finalize.js';
import { createPrepareActivities } from './prepare.js';
import { createReportActivities } from './report.js';
import { createShardActivities } from './shard.js';
import { createStatusActivities } from './status.js';

export function createRunActivities(deps: ActivityDeps): RunActivities {
  const context = createRunContext(deps);
  return {
    ...createStatusActivities(context),
    ...createPrepareActivities(context),
    ...createShardActivities(context),
    ...createReportActivities(context),
    ...createFinalizeActivities(context),
  };
}
