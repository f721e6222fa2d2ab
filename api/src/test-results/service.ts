import type { EntityManager } from '@mikro-orm/postgresql';
import { TestResult } from '@qatron/domain';
import type { Principal } from '../http/principal.js';
import { findVisibleRun } from '../http/scope.js';
import type { TestResultFilter } from './schema.js';

/**
 * A page of a run's per-test results, failures first when no outcome is asked for (what a person
 * or the CLI's summary looks for), then by node id. 404 for a run the caller cannot see.
 */
export async function listTestResults(em: EntityManager, principal: Principal, runId: number, filter: TestResultFilter): Promise<{ items: TestResult[]; total: number }> {
  const run = await findVisibleRun(em, principal, runId);
  const where = {
    run: run.id,
    ...(filter.outcome !== undefined && { outcome: filter.outcome }),
    ...(filter.flaky !== undefined && { flaky: filter.flaky }),
    ...(filter.shard !== undefined && { shardIndex: filter.shard }),
  };
  const [items, total] = await em.findAndCount(TestResult, where, { orderBy: { outcome: 'asc', nodeId: 'asc' }, limit: filter.limit, offset: filter.offset });
  return { items, total };
}
