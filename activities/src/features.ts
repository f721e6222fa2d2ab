import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Context } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ingestFeatureFiles, Project, type FeatureActivities, type FeatureFile, type IngestionRecord, type IngestSummary, type ScenarioTestResult } from '@qatron/domain';
import type { ActivityDeps } from './deps.js';
import { activityFailure, asActivityFailure } from './failures.js';
import { materialize, resolveCommit, syncMirror } from './execution/git.js';
import { repositoryAccess } from './execution/repository.js';

/** Folders that never hold a project's own feature files: VCS data, dependencies, virtual environments, caches. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', '.tox', '.nox', 'site-packages', '.pytest_cache']);
/** A feature file larger than this is recorded as an error rather than parsed. */
const MAX_FEATURE_BYTES = 2 * 1024 * 1024;

/**
 * Every `.feature` file under `root` (a checkout), with its path relative to the root in forward
 * slashes: the feature path of the scenarios' stable ids (PRD 14.2). Oversized files come back with
 * `tooLarge` so the index can say why they are not in it.
 */
export async function readFeatureFiles(root: string): Promise<{ files: FeatureFile[]; tooLarge: string[] }> {
  const files: FeatureFile[] = [];
  const tooLarge: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(path);
      } else if (entry.isFile() && entry.name.endsWith('.feature')) {
        const relativePath = relative(root, path).split(sep).join('/');
        if ((await stat(path)).size > MAX_FEATURE_BYTES) tooLarge.push(relativePath);
        else files.push({ path: relativePath, content: await readFile(path, 'utf8') });
      }
    }
  }
  await walk(root);
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, tooLarge: tooLarge.sort() };
}

/** Indexes the feature files of a checkout as the project's complete snapshot at `commit` (FR-BDD-01, FR-BDD-02). */
export async function ingestCheckout(db: EntityManager, project: Project, commit: string, checkout: string): Promise<IngestSummary> {
  const { files, tooLarge } = await readFeatureFiles(checkout);
  const summary = await ingestFeatureFiles(db, { organizationId: project.organization, projectId: project.id, commit, files, complete: true });
  for (const path of tooLarge) summary.errors.push({ path, line: null, message: `larger than ${MAX_FEATURE_BYTES} bytes: not indexed` });
  return summary;
}

/** What a run or an on-demand ingestion records of an ingestion: counts and the first errors. */
export function ingestionRecord(summary: IngestSummary, commit: string) {
  return {
    commit,
    files: summary.files,
    parsed: summary.parsed,
    added: summary.added,
    updated: summary.updated,
    deactivated: summary.deactivated,
    pickles: summary.pickles,
    error_count: summary.errors.length,
    errors: summary.errors.slice(0, 50),
  };
}

/** Scenario labels the framework attaches to a BDD test (user properties `qatron_*`). */
export function scenarioLabels(properties: Record<string, string>): Pick<ScenarioTestResult, 'scenarioId' | 'featurePath' | 'scenarioLine' | 'exampleLine'> {
  const line = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
  return {
    scenarioId: properties.qatron_scenario_id || undefined,
    featurePath: properties.qatron_feature_path || undefined,
    scenarioLine: line(properties.qatron_scenario_line),
    exampleLine: line(properties.qatron_example_line),
  };
}

/** The on-demand ingestion (POST …/ingest-features): the project's branch head, indexed now. */
export function createFeatureActivities(deps: ActivityDeps): FeatureActivities {
  return {
    async ingestProjectFeatures(input: { projectId: number; branch?: string | null }): Promise<IngestionRecord> {
      const db = deps.orm.em.fork();
      const project = await db.findOne(Project, { id: input.projectId });
      if (!project) throw activityFailure('ProjectNotFound', `project ${input.projectId} does not exist`);
      let secrets: string[] = [];
      const ctx = Context.current();
      const workTree = join(deps.workDir, 'features', String(project.id), `ingest-${ctx.info.activityId}-${ctx.info.attempt}`);
      try {
        const repo = repositoryAccess(project, deps.secrets);
        secrets = repo.secrets;
        const mirror = await syncMirror(join(deps.workDir, 'git'), project.id, repo.access, ctx.cancellationSignal);
        const commit = await resolveCommit(mirror, { branch: input.branch || project.defaultBranch });
        await rm(workTree, { recursive: true, force: true });
        await mkdir(join(workTree, '..'), { recursive: true });
        await materialize(mirror, commit, workTree);
        return ingestionRecord(await ingestCheckout(db, project, commit, workTree), commit);
      } catch (err) {
        // The contract's one list decides: a missing secret is final, git (often the network) is retried.
        throw asActivityFailure(err, { secrets });
      } finally {
        await rm(workTree, { recursive: true, force: true }).catch(() => undefined);
      }
    },
  };
}
