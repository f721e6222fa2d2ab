import { QueryOrder, type EntityManager } from '@mikro-orm/postgresql';
import { Environment, Quarantine, Suite, TestHealth } from '@qatron/domain';
import { activeAt } from '@qatron/domain/quarantine/active';
import { notFound } from '../http/problems.js';
import type { Principal } from '../http/principal.js';
import { findVisibleProject } from '../http/scope.js';
import type { TestHealthFilter, TestHealthSort } from './schema.js';

/** A health row with the names and quarantine the API shows beside it. */
export interface TestHealthView {
  health: TestHealth;
  suite: string;
  environment: string;
  quarantined: boolean;
}

/** Worst first; the figures are never null (an index scans backwards) except a duration, whose unknowns go last. */
const SORT_ORDERS: Record<TestHealthSort, Partial<Record<'flipRate' | 'failures' | 'medianDurationSeconds', QueryOrder>>> = {
  flip_rate: { flipRate: QueryOrder.DESC },
  failures: { failures: QueryOrder.DESC },
  duration: { medianDurationSeconds: QueryOrder.DESC_NULLS_LAST },
};

/** Under a quarantine active at `?` (bound three times): domain/quarantine/active.ts `activeAt`, over health row `h`. */
const QUARANTINED_SQL = `exists (select 1 from quarantines q where q.project_id = h.project_id and q.node_id = h.node_id
  and q.created_at <= ? and (q.lifted_at is null or q.lifted_at > ?) and (q.expires_at is null or q.expires_at > ?))`;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The project's suite and environment names, by id. */
async function namesOf(em: EntityManager, projectId: number) {
  const [suites, environments] = await Promise.all([em.find(Suite, { project: projectId }, { fields: ['name'] }), em.find(Environment, { project: projectId }, { fields: ['name'] })]);
  return { suites: new Map(suites.map((s) => [s.id, s.name])), environments: new Map(environments.map((e) => [e.id, e.name])) };
}

async function quarantinedNodes(em: EntityManager, projectId: number, nodeIds: string[], moment: Date): Promise<Set<string>> {
  if (nodeIds.length === 0) return new Set();
  const active = await em.find(Quarantine, { $and: [{ project: projectId, nodeId: { $in: nodeIds } }, activeAt(moment)] }, { fields: ['nodeId'] });
  return new Set(active.map((q) => q.nodeId));
}

type ProjectNames = Awaited<ReturnType<typeof namesOf>>;

async function viewsOf(em: EntityManager, projectId: number, rows: TestHealth[], moment: Date, names: ProjectNames): Promise<TestHealthView[]> {
  const quarantined = await quarantinedNodes(em, projectId, rows.map((r) => r.nodeId), moment);
  return rows.map((health) => ({
    health,
    suite: names.suites.get(health.suite) ?? '',
    environment: names.environments.get(health.environment) ?? '',
    quarantined: quarantined.has(health.nodeId),
  }));
}

/**
 * A page of a project's per-test health, worst first by `sort`. A suite or environment name the
 * project does not have matches nothing. 404 for a project the caller cannot see.
 */
export async function listTestHealth(em: EntityManager, principal: Principal, projectId: number, filter: TestHealthFilter): Promise<{ items: TestHealthView[]; total: number }> {
  const project = await findVisibleProject(em, principal, projectId);
  const moment = new Date();
  const names = await namesOf(em, project.id);
  const idOf = (byId: Map<number, string>, name: string) => [...byId].find(([, n]) => n === name)?.[0] ?? 0;
  const qb = em.createQueryBuilder(TestHealth, 'h').where({ project: project.id });
  if (filter.suite !== undefined) qb.andWhere({ suite: idOf(names.suites, filter.suite) });
  if (filter.environment !== undefined) qb.andWhere({ environment: idOf(names.environments, filter.environment) });
  if (filter.classification !== undefined) qb.andWhere({ classification: filter.classification });
  if (filter.text !== undefined) qb.andWhere({ nodeId: { $ilike: `%${escapeLike(filter.text)}%` } });
  if (filter.quarantined !== undefined) qb.andWhere(filter.quarantined ? QUARANTINED_SQL : `not ${QUARANTINED_SQL}`, [moment, moment, moment]);
  qb.orderBy([SORT_ORDERS[filter.sort], { id: QueryOrder.ASC }]).limit(filter.limit).offset(filter.offset);
  const [rows, total] = await qb.getResultAndCount();
  return { items: await viewsOf(em, project.id, rows, moment, names), total };
}

/** One test's health with its window; 404 unless it belongs to a project the caller can see. */
export async function getTestHealth(em: EntityManager, principal: Principal, projectId: number, testId: number): Promise<TestHealthView> {
  const project = await findVisibleProject(em, principal, projectId);
  const health = await em.findOne(TestHealth, { id: testId, project: project.id });
  if (!health) throw notFound('Test', testId);
  const [view] = await viewsOf(em, project.id, [health], new Date(), await namesOf(em, project.id));
  return view!;
}
