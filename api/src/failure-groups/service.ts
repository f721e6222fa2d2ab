import type { EntityManager } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import type { Principal } from '../http/principal.js';
import { findVisibleProject, findVisibleRun } from '../http/scope.js';
import { PROJECT_GROUP_NODE_IDS, type ProjectFailureGroups, type ProjectFailureGroupsFilter, type RunFailureGroups } from './schema.js';

/**
 * The columns every group reads from its rows: a group's rows share type, normalized message and
 * frame (they make its fingerprint); its representative message is the first row's in `order`.
 */
const groupParts = (order: string) => `t.fingerprint, count(*)::int as count, min(t.exception_type) as exception_type, (array_agg(t.message order by ${order}))[1] as message,
  min(t.normalized_message) as normalized_message, min(t.failure_frame) as frame`;

interface GroupRow {
  fingerprint: string;
  count: number;
  exception_type: string | null;
  message: string | null;
  normalized_message: string | null;
  frame: string | null;
  node_ids: string[];
}

/**
 * A run's failures grouped by fingerprint (issue 15 item 4), largest first, each new or known:
 * known when an earlier run of the same project failed with it (the (project, fingerprint) index).
 * 404 for a run the caller cannot see.
 */
export async function runFailureGroups(em: EntityManager, principal: Principal, runId: number): Promise<z.output<typeof RunFailureGroups>> {
  const run = await findVisibleRun(em, principal, runId);
  const db = em.getConnection();
  const [rows, [totals]] = await Promise.all([
    db.execute<(GroupRow & { earlier_run_id: number | null })[]>(
      `select ${groupParts('t.node_id')}, array_agg(t.node_id order by t.node_id) as node_ids,
         (select min(e.run_id) from test_results e where e.project_id = ? and e.fingerprint = t.fingerprint and e.run_id < ?) as earlier_run_id
       from test_results t where t.run_id = ? and t.fingerprint is not null
       group by t.fingerprint order by count desc, t.fingerprint`,
      [run.project, run.id, run.id],
    ),
    db.execute<{ failures: number; ungrouped: number }[]>(
      `select count(*)::int as failures, count(*) filter (where fingerprint is null)::int as ungrouped
       from test_results where run_id = ? and outcome in ('failed', 'error')`,
      [run.id],
    ),
  ]);
  return {
    run_id: run.id,
    failures: totals?.failures ?? 0,
    ungrouped: totals?.ungrouped ?? 0,
    groups: rows.map(({ earlier_run_id, ...group }) => ({ ...groupOut(group), known: earlier_run_id !== null, first_seen_run_id: earlier_run_id ?? run.id })),
  };
}

/**
 * The project's top failure groups over its latest `filter.runs` runs: those that failed the most
 * runs first, then the most tests. 404 for a project the caller cannot see.
 */
export async function projectFailureGroups(em: EntityManager, principal: Principal, projectId: number, filter: ProjectFailureGroupsFilter): Promise<z.output<typeof ProjectFailureGroups>> {
  const project = await findVisibleProject(em, principal, projectId);
  const db = em.getConnection();
  const recent = 'select id from runs where project_id = ? order by id desc limit ?';
  const [[window], rows] = await Promise.all([
    db.execute<{ runs: number }[]>(`select count(*)::int as runs from (${recent}) r`, [project.id, filter.runs]),
    db.execute<(GroupRow & { runs_affected: number; tests: number; first_seen_run_id: number; last_seen_run_id: number })[]>(
      `select ${groupParts('t.run_id desc, t.node_id')}, (array_agg(distinct t.node_id order by t.node_id))[1:${PROJECT_GROUP_NODE_IDS}] as node_ids,
         count(distinct t.run_id)::int as runs_affected, count(distinct t.node_id)::int as tests, max(t.run_id) as last_seen_run_id,
         (select min(e.run_id) from test_results e where e.project_id = t.project_id and e.fingerprint = t.fingerprint) as first_seen_run_id
       from test_results t join (${recent}) r on r.id = t.run_id
       where t.project_id = ? and t.fingerprint is not null
       group by t.project_id, t.fingerprint order by runs_affected desc, count desc, t.fingerprint limit ?`,
      [project.id, filter.runs, project.id, filter.limit],
    ),
  ]);
  return {
    project_id: project.id,
    runs: window?.runs ?? 0,
    groups: rows.map(({ runs_affected, tests, first_seen_run_id, last_seen_run_id, ...group }) => ({ ...groupOut(group), runs_affected, tests, first_seen_run_id, last_seen_run_id })),
  };
}

function groupOut(row: GroupRow) {
  return {
    fingerprint: row.fingerprint,
    count: row.count,
    exception_type: row.exception_type,
    message: row.message,
    normalized_message: row.normalized_message ?? '',
    frame: row.frame,
    node_ids: row.node_ids,
  };
}
