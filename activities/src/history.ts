import type { EntityManager } from '@mikro-orm/postgresql';
import type { Run } from '@qatron/domain';

/** How many earlier finished runs of the same project and suite the planner learns from. */
const HISTORY_RUNS = 10;

/**
 * Per-file durations for the shard planner: for each test file, the median over the last
 * HISTORY_RUNS finished runs of the same project and suite of the file's total test time.
 */
export async function fileDurationHistory(em: EntityManager, run: Pick<Run, 'id' | 'project' | 'suite'>): Promise<Map<string, number>> {
  const rows = await em.getConnection().execute<{ file: string; seconds: number }[]>(
    `with recent as (
       select id from runs
        where project_id = ? and suite_id = ? and id <> ? and completed_at is not null
        order by id desc limit ?
     ), per_run as (
       select t.run_id, t.file, sum(t.duration_seconds) as seconds
         from test_results t join recent r on r.id = t.run_id
        group by t.run_id, t.file
     )
     select file, percentile_cont(0.5) within group (order by seconds) as seconds
       from per_run group by file`,
    [run.project, run.suite, run.id, HISTORY_RUNS],
  );
  return new Map(rows.map((r) => [r.file, Number(r.seconds)]));
}
