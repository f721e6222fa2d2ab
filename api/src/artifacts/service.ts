import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ArtifactNotFoundError, type Run, RunArtifact, type ArtifactStore } from '@qatron/domain';
import { ARCHIVE_KINDS, archiveEntries, zipStream, type ArchiveKind } from './archive.js';
import { notFound, Problem } from '../http/problems.js';
import type { Principal } from '../http/principal.js';
import { findVisibleRun } from '../http/scope.js';
import type { ArtifactListFilter } from './schema.js';

/** 410 for a run whose artifacts retention has removed (PRD 13.2): they existed and will not return. */
function artifactsGone(run: Run): Problem {
  const when = run.artifactsDeletedAt ? ` on ${run.artifactsDeletedAt.toISOString()}` : '';
  return new Problem(410, 'artifacts_deleted', 'Gone', `The artifacts of run ${run.id} were deleted by the retention policy${when}; the run's results are kept`);
}

/**
 * A page of a run's artifacts in the order they were stored (FR-RUN-05), optionally of one kind
 * or one shard. After retention the page is empty and `artifactsDeleted` says why.
 */
export async function listRunArtifacts(
  em: EntityManager,
  principal: Principal,
  runId: number,
  filter: ArtifactListFilter,
): Promise<{ items: RunArtifact[]; total: number; artifactsDeleted: boolean }> {
  const run = await findVisibleRun(em, principal, runId);
  const where = {
    run: run.id,
    organization: run.organization,
    ...(filter.kind !== undefined && { kind: filter.kind }),
    ...(filter.shard !== undefined && { shardIndex: filter.shard }),
  };
  const [items, total] = await em.findAndCount(RunArtifact, where, { orderBy: { id: 'asc' }, limit: filter.limit, offset: filter.offset });
  return { items, total, artifactsDeleted: run.artifactsDeleted };
}

/**
 * Opens one artifact of a run for download. The object is found through its row's storage key,
 * never through anything the client sent, so a request cannot reach another run's objects or a
 * path outside the store. 404 when the run or the artifact is not visible or when the row's object
 * is missing from the store; 410 when retention removed the run's artifacts.
 */
export async function openRunArtifact(
  em: EntityManager,
  store: ArtifactStore,
  principal: Principal,
  runId: number,
  artifactId: number,
): Promise<{ artifact: RunArtifact; body: Readable; sizeBytes: number | null; contentType: string; fileName: string }> {
  const run = await findVisibleRun(em, principal, runId);
  if (run.artifactsDeleted) throw artifactsGone(run);
  const artifact = await em.findOne(RunArtifact, { id: artifactId, run: run.id, organization: run.organization });
  if (!artifact) throw notFound(`Artifact ${artifactId} of run`, runId);
  if (artifact.storageKey.endsWith('/')) {
    // A generated report is a directory: it downloads as a zip of its files.
    const entries = (await archiveEntries(store, [artifact])).map((e) => ({ ...e, path: e.path.slice(artifact.name.length + 1) }));
    if (entries.length === 0) {
      throw new Problem(404, 'artifact_missing', 'Not found', `Artifact ${artifactId} of run ${runId} is recorded, but its files are missing from the artifact store`);
    }
    return { artifact, body: zipStream(store, entries), sizeBytes: null, contentType: 'application/zip', fileName: `${artifact.name}.zip` };
  }
  try {
    const object = await store.get(artifact.storageKey);
    return { artifact, body: object.body, sizeBytes: object.sizeBytes, contentType: artifact.contentType, fileName: artifact.name };
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) {
      throw new Problem(404, 'artifact_missing', 'Not found', `Artifact ${artifactId} of run ${runId} is recorded, but its object is missing from the artifact store`);
    }
    throw err;
  }
}

/**
 * A zip of a run's artifacts of one group (PRD 17.3 step 5: CI downloads the report, coverage,
 * JUnit or logs in one request). 404 when the run has none of that group yet; 410 after retention.
 */
export async function openRunArchive(
  em: EntityManager,
  store: ArtifactStore,
  principal: Principal,
  runId: number,
  kind: ArchiveKind,
): Promise<{ body: Readable; fileName: string; files: number }> {
  const run = await findVisibleRun(em, principal, runId);
  if (run.artifactsDeleted) throw artifactsGone(run);
  const kinds = ARCHIVE_KINDS[kind];
  const artifacts = await em.find(
    RunArtifact,
    { run: run.id, organization: run.organization, ...(kinds ? { kind: { $in: [...kinds] } } : {}) },
    { orderBy: { shardIndex: 'asc', id: 'asc' } },
  );
  const entries = await archiveEntries(store, artifacts);
  if (entries.length === 0) throw new Problem(404, 'no_artifacts', 'Not found', `Run ${runId} has no ${kind === 'all' ? '' : `${kind} `}artifacts`);
  return { body: zipStream(store, entries), fileName: `run-${runId}-${kind}.zip`, files: entries.length };
}
