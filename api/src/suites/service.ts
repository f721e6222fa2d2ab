import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Run, Suite, type Purge } from '@qatron/domain';
import { actorOf, changes, recordAudit } from '../audit/record.js';
import { conflict, notFound, validationFailed } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject, projectChildFilter } from '../http/scope.js';
import { LIVE_RUN_FILTER } from '../projects/service.js';
import { recordPurge } from '../purges/service.js';
import type { PurgeStarter } from '../purges/starter.js';
import type { SuiteCreateInput, SuiteUpdateInput } from './schema.js';
import { suiteSettings, type SuiteSettings } from './serialize.js';

/** A project's suites, by name; 404 if the caller may not see the project. */
export async function listSuites(
  em: EntityManager,
  principal: Principal,
  projectId: number,
  page: { limit: number; offset: number },
): Promise<{ items: Suite[]; total: number }> {
  const project = await findVisibleProject(em, principal, projectId);
  const [items, total] = await em.findAndCount(
    Suite,
    { organization: project.organization, project: project.id },
    { orderBy: { name: 'asc', id: 'asc' }, limit: page.limit, offset: page.offset },
  );
  return { items, total };
}

/** One suite the caller may see; 404 otherwise (another organization, or outside a scoped token's project). */
export async function getSuite(em: EntityManager, principal: Principal, id: number): Promise<Suite> {
  const suite = await em.findOne(Suite, { ...projectChildFilter(principal), id });
  if (!suite) throw notFound('Suite', id);
  return suite;
}

/** Adds a suite to a project and audits it (FR-AUD-03). */
export async function createSuite(em: EntityManager, principal: Principal, projectId: number, input: SuiteCreateInput, origin: RequestOrigin): Promise<Suite> {
  const project = await findVisibleProject(em, principal, projectId);
  await assertNameFree(em, project.id, input.name);
  assertCoherent(input);
  const suite = new Suite(project.organization, project.id, input.name);
  apply(suite, input);
  await em.transactional(async (tx) => {
    tx.persist(suite);
    await tx.flush();
    recordAudit(tx, actorOf(principal), 'suite.created', { type: 'suite', id: suite.id }, { project_id: project.id, ...suiteSettings(suite) }, origin);
  });
  return suite;
}

/** Updates the fields given; the others keep their value. Audits what changed, if anything did. */
export async function updateSuite(em: EntityManager, principal: Principal, id: number, input: SuiteUpdateInput, origin: RequestOrigin): Promise<Suite> {
  const suite = await getSuite(em, principal, id);
  const before = suiteSettings(suite);
  const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<SuiteSettings>;
  const next: SuiteSettings = { ...before, ...given };
  const diff = changes(before, next);
  if (Object.keys(diff).length === 0) return suite;
  assertCoherent(next);
  if (diff.name) await assertNameFree(em, suite.project, next.name);
  apply(suite, next, Object.keys(diff));
  recordAudit(em, actorOf(principal), 'suite.updated', { type: 'suite', id }, diff, origin);
  await em.flush();
  return suite;
}

/**
 * Deletes a suite with its finished runs; refused while one of its runs is live. Their artifacts are
 * recorded for purging in the same transaction (issue 17 item 4); the purge is returned.
 */
export async function deleteSuite(em: EntityManager, purges: PurgeStarter, principal: Principal, id: number, origin: RequestOrigin): Promise<Purge> {
  return em.transactional(async (tx) => {
    // The row lock waits for a transaction inserting a run of this suite, so the count sees it.
    const suite = await tx.findOne(Suite, { ...projectChildFilter(principal), id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!suite) throw notFound('Suite', id);
    const live = await tx.count(Run, { suite: id, ...LIVE_RUN_FILTER });
    if (live > 0) throw conflict(`Suite ${id} is used by ${live} run(s) in progress; cancel them or let them finish first`, 'runs_in_progress');
    recordAudit(tx, actorOf(principal), 'suite.deleted', { type: 'suite', id }, { project_id: suite.project, name: suite.name }, origin);
    const purge = await recordPurge(tx, purges, { type: 'suite', id, name: suite.name, organization: suite.organization, project: suite.project }, principal);
    tx.remove(suite);
    return purge;
  });
}

/**
 * Copies settings onto the entity; with `only`, just those fields, so that an unchanged JSON
 * column (`paths`) is not rewritten.
 */
function apply(suite: Suite, settings: SuiteSettings, only?: string[]): void {
  const wanted = (key: keyof SuiteSettings) => !only || only.includes(key);
  if (wanted('name')) suite.name = settings.name;
  if (wanted('description')) suite.description = settings.description;
  if (wanted('layer')) suite.layer = settings.layer;
  if (wanted('markers')) suite.markers = settings.markers;
  if (wanted('keywords')) suite.keywords = settings.keywords;
  if (wanted('paths')) suite.paths = [...settings.paths];
  if (wanted('shards')) suite.shards = settings.shards;
  if (wanted('workers_per_shard')) suite.workersPerShard = settings.workers_per_shard;
  if (wanted('retries')) suite.retries = settings.retries;
  if (wanted('timeout_seconds')) suite.timeoutSeconds = settings.timeout_seconds;
  if (wanted('coverage')) suite.coverage = settings.coverage;
  if (wanted('coverage_threshold')) suite.coverageThreshold = settings.coverage_threshold;
  if (wanted('allow_empty')) suite.allowEmpty = settings.allow_empty;
  if (wanted('install_command')) suite.installCommand = settings.install_command;
  if (wanted('python_version')) suite.pythonVersion = settings.python_version;
  if (wanted('require_dataset_health')) suite.requireDatasetHealth = settings.require_dataset_health;
}

/** Settings that are valid one by one but not together. */
function assertCoherent(settings: Pick<SuiteSettings, 'coverage' | 'coverage_threshold'>): void {
  if (!settings.coverage && settings.coverage_threshold !== null) {
    throw validationFailed([{ field: 'coverage_threshold', message: 'needs coverage on: a suite that does not measure coverage cannot have a threshold' }]);
  }
}

async function assertNameFree(em: EntityManager, projectId: number, name: string): Promise<void> {
  const clash = await em.count(Suite, { project: projectId, name });
  if (clash > 0) throw conflict(`This project already has a suite named ${name}`, 'already_exists');
}
