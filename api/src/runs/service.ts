import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  canTransition,
  Environment,
  isFinalStatus,
  nextStatuses,
  Project,
  roleAtLeast,
  Run,
  Suite,
} from '@qatron/domain';
import { DatasetUnhealthy, engineUnreachable, queueRun } from '@qatron/domain/runs/trigger';
import { actorOf, recordAudit } from '../audit/record.js';
import { conflict, type FieldError, forbidden, engineUnavailable, notFound, validationFailed } from '../http/problems.js';
import type { RunEngine } from './engine.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject, findVisibleRun, projectChildFilter, projectFilter } from '../http/scope.js';
import type { RunCreateInput, RunListFilter, RunUpdateInput } from './schema.js';
import type { RunNames } from './serialize.js';

/** A run with the names it is shown with. */
export interface RunView {
  run: Run;
  names: RunNames;
}

/**
 * Triggers a run (FR-RUN-01, DESIGN "A run, step by step" step 1): resolves the project, suite and
 * environment by id or name, pins the environment's newest dataset version (FR-DATA-03), refuses
 * when the suite requires a healthy dataset and the pinned version has not passed validation
 * (FR-DATA-04/05), then writes the queued run and its `run.triggered` entry in one transaction.
 *
 * A project the caller cannot see answers 404 whether named by id or by name; a suite or
 * environment outside that project answers 422 naming the field.
 */
export async function triggerRun(
  em: EntityManager,
  principal: Principal,
  input: RunCreateInput,
  origin: RequestOrigin,
  engine: RunEngine,
): Promise<RunView> {
  const project = await resolveProject(em, principal, input);
  const errors: FieldError[] = [];
  const suite = await resolveSuite(em, project, input, errors);
  const environment = await resolveEnvironment(em, project, input, errors);
  if (!suite || !environment) throw validationFailed(errors);
  const trigger = { userId: principal.userId, serviceTokenId: principal.serviceTokenId, name: principal.name };
  const run = await queueRun(em, { project, suite, environment, branch: input.branch ?? project.defaultBranch, commit: input.commit ?? null, trigger }, (tx, queued, details) =>
    recordAudit(tx, actorOf(principal), 'run.triggered', { type: 'run', id: queued.id }, details, origin),
  ).catch((err: unknown) => {
    if (err instanceof DatasetUnhealthy) throw conflict(err.message, 'dataset_unhealthy');
    throw err;
  });
  await handOverToEngine(em, engine, run, suite);
  return { run, names: { project: project.name, suite: suite.name, environment: environment.name, reruns: [] } };
}

/**
 * The one place where a committed, queued run leaves the API for the run engine: its workflow
 * `run-<id>` starts on `qatron-control` (DESIGN step 1). If Temporal cannot be reached the run is
 * not left queued forever: it ends `infra_failed` with the reason, and the caller gets a 503.
 * A detached engine (API-only tests) leaves the run queued.
 */
export async function handOverToEngine(em: EntityManager, engine: RunEngine, run: Run, suite: Suite): Promise<void> {
  try {
    await engine.start(run, suite);
  } catch (err) {
    engineUnreachable(run, err);
    await em.flush();
    throw engineUnavailable(`Run ${run.id} could not be started: the run engine (Temporal) is unreachable; the run was marked infra_failed`);
  }
}

async function resolveProject(em: EntityManager, principal: Principal, input: RunCreateInput): Promise<Project> {
  if (input.project_id !== undefined && input.project_id !== null) return findVisibleProject(em, principal, input.project_id);
  const name = input.project ?? '';
  const project = await em.findOne(Project, { ...projectFilter(principal), name });
  if (!project) throw notFound('Project', JSON.stringify(name));
  return project;
}

async function resolveSuite(em: EntityManager, project: Project, input: RunCreateInput, errors: FieldError[]): Promise<Suite | null> {
  if (input.suite_id !== undefined && input.suite_id !== null) {
    const suite = await em.findOne(Suite, { id: input.suite_id, project: project.id });
    if (!suite) errors.push({ field: 'suite_id', message: `suite ${input.suite_id} is not a suite of project ${project.name}` });
    return suite;
  }
  const suite = await em.findOne(Suite, { project: project.id, name: input.suite ?? '' });
  if (!suite) errors.push({ field: 'suite', message: `project ${project.name} has no suite named ${JSON.stringify(input.suite)}` });
  return suite;
}

async function resolveEnvironment(em: EntityManager, project: Project, input: RunCreateInput, errors: FieldError[]): Promise<Environment | null> {
  if (input.environment_id !== undefined && input.environment_id !== null) {
    const environment = await em.findOne(Environment, { id: input.environment_id, project: project.id });
    if (!environment) errors.push({ field: 'environment_id', message: `environment ${input.environment_id} is not an environment of project ${project.name}` });
    return environment;
  }
  const environment = await em.findOne(Environment, { project: project.id, name: input.environment ?? '' });
  if (!environment) errors.push({ field: 'environment', message: `project ${project.name} has no environment named ${JSON.stringify(input.environment)}` });
  return environment;
}

/**
 * A page of runs, newest first (FR-RUN-02). One query for the page and one count, each served
 * by a `(column, id)` index on runs, then one query for the page's names: the cost does not grow
 * with the number of runs shown or stored.
 */
export async function listRuns(em: EntityManager, principal: Principal, filter: RunListFilter): Promise<{ items: RunView[]; total: number }> {
  const scope = projectChildFilter(principal);
  // A project filter outside a project-scoped token's project matches nothing, like an unknown id.
  if (scope.project !== undefined && filter.project_id !== undefined && filter.project_id !== scope.project) return { items: [], total: 0 };
  const where = {
    ...scope,
    ...(filter.project_id !== undefined && { project: filter.project_id }),
    ...(filter.suite_id !== undefined && { suite: filter.suite_id }),
    ...(filter.environment_id !== undefined && { environment: filter.environment_id }),
    ...(filter.status !== undefined && { status: { $in: filter.status } }),
    ...(filter.branch !== undefined && { branch: filter.branch }),
  };
  const [runs, total] = await em.findAndCount(Run, where, { orderBy: { id: 'desc' }, limit: filter.limit, offset: filter.offset });
  const names = await runNames(em, runs);
  return { items: runs.map((run) => ({ run, names: names.get(run.id)! })), total };
}

/** A run the caller may see (FR-RUN-03); 404 otherwise. */
export async function getRun(em: EntityManager, principal: Principal, id: number): Promise<RunView> {
  const run = await findVisibleRun(em, principal, id);
  const names = await runNames(em, [run]);
  return { run, names: names.get(run.id)! };
}

/**
 * Ends a run by hand (FR-RUN-04, PRD 9.2). The live statuses (queued → provisioning → running →
 * reporting) belong to the run engine, which moves the run as its workflow advances; a client
 * may only end a run: `cancelled` (user role) or, as an admin override for a run that cannot
 * finish, another final status the status model allows from where the run is. The workflow is
 * cancelled either way, and the engine keeps the status set here. The row is locked for the
 * check, so two concurrent requests cannot both end the same run.
 */
export async function updateRunStatus(
  em: EntityManager,
  principal: Principal,
  id: number,
  input: RunUpdateInput,
  origin: RequestOrigin,
  engine: RunEngine,
  now = new Date(),
): Promise<RunView> {
  const to = input.status;
  if (!isFinalStatus(to)) {
    throw conflict(`${to} is set by the run engine as the run advances; a client can only end a run (cancelled, or a final status as an admin)`, 'status_managed_by_engine');
  }
  if (to !== 'cancelled' && !roleAtLeast(principal.role, 'admin')) {
    throw forbidden(`Only an admin can end a run as ${to}; users can cancel it`);
  }
  const run = await em.transactional(async (tx) => {
    const run = await tx.findOne(Run, { id, ...projectChildFilter(principal) }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!run) throw notFound('Run', id);
    const from = run.status;
    if (!canTransition(from, to)) {
      const allowed = nextStatuses(from);
      const next = allowed.length > 0 ? `allowed next statuses: ${allowed.join(', ')}` : `${from} is final, no further status is allowed`;
      throw conflict(`Run ${id} cannot move from ${from} to ${to}; ${next}`, 'invalid_transition');
    }
    run.status = to;
    if (input.status_reason !== undefined) run.statusReason = input.status_reason;
    run.completedAt = now;
    recordAudit(
      tx,
      actorOf(principal),
      to === 'cancelled' ? 'run.cancelled' : 'run.updated',
      { type: 'run', id },
      { from, to, ...(input.status_reason !== undefined && { status_reason: input.status_reason }) },
      origin,
    );
    return run;
  });
  // After the commit: the workflow sees a final run and keeps its status (finalizeRun).
  await engine.cancel(run.id).catch(() => undefined);
  const names = await runNames(em, [run]);
  return { run, names: names.get(run.id)! };
}

/**
 * The project, suite and environment names of `runs` and their re-runs, keyed by run id, read in
 * one query each for the distinct ids of the page rather than once per run.
 */
export async function runNames(em: EntityManager, runs: readonly Run[]): Promise<Map<number, RunNames>> {
  const byRun = new Map<number, RunNames>();
  if (runs.length === 0) return byRun;
  const projectIds = [...new Set(runs.map((r) => r.project))];
  const suiteIds = [...new Set(runs.map((r) => r.suite))];
  const environmentIds = [...new Set(runs.map((r) => r.environment))];
  const placeholders = (ids: number[]) => ids.map(() => '?').join(', ');
  const rows = await em.getConnection().execute<{ kind: 'project' | 'suite' | 'environment'; id: number; name: string }[]>(
    `select 'project' as kind, id, name from projects where id in (${placeholders(projectIds)})
     union all select 'suite', id, name from suites where id in (${placeholders(suiteIds)})
     union all select 'environment', id, name from environments where id in (${placeholders(environmentIds)})`,
    [...projectIds, ...suiteIds, ...environmentIds],
  );
  const names = { project: new Map<number, string>(), suite: new Map<number, string>(), environment: new Map<number, string>() };
  for (const row of rows) names[row.kind].set(row.id, row.name);
  const reruns = await rerunsOf(em, runs);
  for (const run of runs) {
    byRun.set(run.id, {
      project: names.project.get(run.project) ?? '',
      suite: names.suite.get(run.suite) ?? '',
      environment: names.environment.get(run.environment) ?? '',
      reruns: reruns.get(run.id) ?? [],
    });
  }
  return byRun;
}

/** The re-runs of `runs` (issue 15 item 3), oldest first, keyed by the run they re-run: one query per page (index on rerun_of_id). */
async function rerunsOf(em: EntityManager, runs: readonly Run[]): Promise<Map<number, Run[]>> {
  const byRun = new Map<number, Run[]>();
  const reruns = await em.find(Run, { rerunOf: { $in: runs.map((r) => r.id) } }, { orderBy: { id: 'asc' } });
  for (const rerun of reruns) {
    if (rerun.rerunOf === null) continue;
    byRun.set(rerun.rerunOf, [...(byRun.get(rerun.rerunOf) ?? []), rerun]);
  }
  return byRun;
}
