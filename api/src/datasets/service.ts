import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ArtifactExistsError, contentTypeFor, Dataset, DatasetVersion, Environment, type ArtifactStore } from '@qatron/domain';
import { actorOf, recordAudit } from '../audit/record.js';
import { conflict, notFound, Problem, validationFailed } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject, requireOrganizationWide } from '../http/scope.js';
import { DATASET_MAX_BYTES, type DatasetCreateInput, type ExpectationSuiteInput } from './schema.js';
import { versionFileName } from './serialize.js';

/**
 * Datasets a caller may see: the organization's shared ones (no project) and those of projects it
 * may see. A project-scoped token sees its project's and the shared ones, which its runs may pin.
 */
function visibleDatasets(principal: Principal): Record<string, unknown> {
  return principal.projectId === null
    ? { organization: principal.organizationId }
    : { organization: principal.organizationId, $or: [{ project: null }, { project: principal.projectId }] };
}

export async function listDatasets(
  em: EntityManager,
  principal: Principal,
  query: { project_id?: number; limit: number; offset: number },
): Promise<{ items: Array<{ dataset: Dataset; latest: DatasetVersion | null }>; total: number }> {
  const where: Record<string, unknown> = { ...visibleDatasets(principal) };
  if (query.project_id !== undefined) {
    await findVisibleProject(em, principal, query.project_id);
    where.$and = [{ $or: [{ project: null }, { project: query.project_id }] }];
  }
  const [datasets, total] = await em.findAndCount(Dataset, where, { orderBy: { name: 'asc', id: 'asc' }, limit: query.limit, offset: query.offset });
  const latest = await latestVersions(em, datasets.map((d) => d.id));
  return { items: datasets.map((dataset) => ({ dataset, latest: latest.get(dataset.id) ?? null })), total };
}

async function latestVersions(em: EntityManager, ids: number[]): Promise<Map<number, DatasetVersion>> {
  if (ids.length === 0) return new Map();
  const versions = await em.find(DatasetVersion, { dataset: { $in: ids } }, { orderBy: { id: 'desc' } });
  const latest = new Map<number, DatasetVersion>();
  for (const version of versions) if (!latest.has(version.dataset)) latest.set(version.dataset, version);
  return latest;
}

export async function getDataset(em: EntityManager, principal: Principal, id: number): Promise<Dataset> {
  const dataset = await em.findOne(Dataset, { ...visibleDatasets(principal), id });
  if (!dataset) throw notFound('Dataset', id);
  return dataset;
}

export async function datasetVersions(em: EntityManager, dataset: Dataset): Promise<DatasetVersion[]> {
  return em.find(DatasetVersion, { dataset: dataset.id }, { orderBy: { id: 'desc' } });
}

/** Registers a dataset (FR-DATA-01); its content arrives as versions. */
export async function createDataset(em: EntityManager, principal: Principal, input: DatasetCreateInput, origin: RequestOrigin): Promise<Dataset> {
  if (input.project_id === null) requireOrganizationWide(principal, 'create a dataset shared by every project');
  const project = input.project_id === null ? null : await findVisibleProject(em, principal, input.project_id);
  if ((await em.count(Dataset, { organization: principal.organizationId, name: input.name })) > 0) {
    throw conflict(`A dataset named ${input.name} already exists`, 'already_exists');
  }
  const dataset = new Dataset(principal.organizationId, input.name);
  dataset.project = project?.id ?? null;
  dataset.description = input.description;
  await em.transactional(async (tx) => {
    tx.persist(dataset);
    await tx.flush();
    recordAudit(tx, actorOf(principal), 'dataset.created', { type: 'dataset', id: dataset.id }, { name: dataset.name, project_id: dataset.project }, origin);
  });
  return dataset;
}

/** Where a dataset's versions (or one version, given its label) live in the artifact store. */
function datasetPrefix(dataset: Dataset, label?: string): string {
  return `${dataset.organization}/datasets/${dataset.id}/${label === undefined ? '' : `${label}/`}`;
}

/** The file name a version is stored under when the uploader names none: by its content type. */
function defaultFileName(contentType: string): string {
  const byType: Record<string, string> = {
    'text/csv': 'data.csv',
    'application/json': 'data.json',
    'application/x-ndjson': 'data.jsonl',
    'application/yaml': 'data.yaml',
    'text/yaml': 'data.yaml',
    'text/plain': 'data.txt',
    'application/xml': 'data.xml',
    'text/xml': 'data.xml',
  };
  return byType[contentType] ?? 'data.bin';
}

/**
 * Stores one immutable version (FR-DATA-01) from the request body, streamed to a temporary file so
 * that its size is bounded and its checksum known before anything is stored; the row is written
 * only after the content is in the store, and an existing version is never replaced.
 */
export async function uploadDatasetVersion(
  em: EntityManager,
  store: ArtifactStore,
  principal: Principal,
  id: number,
  label: string,
  body: Readable,
  contentType: string,
  fileName: string | undefined,
  origin: RequestOrigin,
  autoValidate = false,
): Promise<DatasetVersion> {
  const dataset = await getDataset(em, principal, id);
  if (dataset.project === null) requireOrganizationWide(principal, 'change a dataset shared by every project');
  if ((await em.count(DatasetVersion, { dataset: dataset.id, version: label })) > 0) {
    throw conflict(`Dataset ${dataset.name} already has a version ${label}; versions are immutable, upload a new one`, 'version_exists');
  }
  const name = fileName ?? defaultFileName(contentType);
  const temp = join(tmpdir(), `qatron-dataset-${randomUUID()}`);
  try {
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > DATASET_MAX_BYTES) return done(new Problem(413, 'payload_too_large', 'Payload too large', `A dataset version may hold at most ${DATASET_MAX_BYTES} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(body, meter, createWriteStream(temp));
    if (size === 0) throw validationFailed([{ field: 'body', message: 'is empty: send the dataset content as the request body' }]);
    const key = `${datasetPrefix(dataset, label)}${name}`;
    try {
      await store.putFile(key, temp, contentTypeFor(name));
    } catch (err) {
      // A key left by an upload whose row was never written (a crash in between) is not a version.
      if (!(err instanceof ArtifactExistsError)) throw err;
      await store.deletePrefix(datasetPrefix(dataset, label));
      await store.putFile(key, temp, contentTypeFor(name));
    }
    const version = new DatasetVersion(dataset.id, label, key);
    version.checksum = `sha256:${hash.digest('hex')}`;
    version.sizeBytes = size;
    version.uploadedByName = actorOf(principal).name;
    // FR-DATA-02: a new version is held to the suite its predecessor was validated against.
    version.expectations = await earlierSuite(em, dataset.id, null);
    try {
      await em.transactional(async (tx) => {
        tx.persist(version);
        await tx.flush();
        recordAudit(tx, actorOf(principal), 'dataset.version_uploaded', { type: 'dataset', id: dataset.id }, { version: label, file_name: name, size_bytes: size, checksum: version.checksum }, origin);
        if (autoValidate && version.expectations !== null) {
          recordAudit(tx, actorOf(principal), 'dataset.validated', { type: 'dataset', id: dataset.id }, validationDetails(version, 'earlier_version', 'upload'), origin);
        }
      });
    } catch (err) {
      await store.deletePrefix(datasetPrefix(dataset, label)).catch(() => undefined);
      throw err;
    }
    return version;
  } finally {
    await rm(temp, { force: true });
  }
}

export async function findDatasetVersion(em: EntityManager, principal: Principal, id: number, label: string): Promise<{ dataset: Dataset; version: DatasetVersion }> {
  const dataset = await getDataset(em, principal, id);
  const version = await em.findOne(DatasetVersion, { dataset: dataset.id, version: label });
  if (!version) throw new Problem(404, 'not_found', 'Not found', `Dataset ${dataset.name} has no version ${label}`);
  return { dataset, version };
}

/** The suite of the newest version (before `beforeId`, when given) that has one; null when none has. */
async function earlierSuite(em: EntityManager, datasetId: number, beforeId: number | null): Promise<unknown> {
  const where: Record<string, unknown> = { dataset: datasetId, expectations: { $ne: null } };
  if (beforeId !== null) where.id = { $lt: beforeId };
  const earlier = await em.findOne(DatasetVersion, where, { orderBy: { id: 'desc' }, fields: ['expectations'] });
  return earlier?.expectations ?? null;
}

type SuiteSource = 'request' | 'version' | 'earlier_version';

function validationDetails(version: DatasetVersion, suiteFrom: SuiteSource, trigger: 'request' | 'upload'): Record<string, unknown> {
  const expectations = (version.expectations as { expectations?: unknown[] } | null)?.expectations;
  return { version: version.version, version_id: version.id, expectation_count: Array.isArray(expectations) ? expectations.length : 0, suite_from: suiteFrom, trigger };
}

/** What a validation request resolved: the version and the suite to hold it to, and where that suite came from. */
export interface ValidationRequest {
  dataset: Dataset;
  version: DatasetVersion;
  expectations: unknown;
  source: SuiteSource;
}

/**
 * The suite a validation uses (FR-DATA-02): the one sent, else the version's stored one, else the
 * newest earlier version's; none at all is the client's to fix (422).
 */
export async function resolveValidation(em: EntityManager, principal: Principal, id: number, label: string, suite: ExpectationSuiteInput | undefined): Promise<ValidationRequest> {
  const { dataset, version } = await findDatasetVersion(em, principal, id, label);
  if (dataset.project === null) requireOrganizationWide(principal, 'validate a dataset shared by every project');
  if (suite) return { dataset, version, expectations: suite, source: 'request' };
  if (version.expectations !== null) return { dataset, version, expectations: version.expectations, source: 'version' };
  const earlier = await earlierSuite(em, dataset.id, version.id);
  if (earlier === null) {
    throw validationFailed([{ field: 'expectations', message: `is required: neither version ${version.version} nor an earlier version of ${dataset.name} has an expectation suite; send one` }]);
  }
  return { dataset, version, expectations: earlier, source: 'earlier_version' };
}

/**
 * Stores the suite with the version and sets it back to pending (a version is healthy only for the
 * suite it passed), audited; the caller then has the run engine validate it.
 */
export async function startValidation(em: EntityManager, principal: Principal, request: ValidationRequest, origin: RequestOrigin): Promise<DatasetVersion> {
  return em.transactional(async (tx) => {
    const version = await tx.findOneOrFail(DatasetVersion, { id: request.version.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    version.expectations = request.expectations;
    version.validationStatus = 'pending';
    version.validationReport = null;
    version.validatedAt = null;
    recordAudit(tx, actorOf(principal), 'dataset.validated', { type: 'dataset', id: request.dataset.id }, validationDetails(version, request.source, 'request'), origin);
    return version;
  });
}

/** A version as stored now (a validation on a worker changed it behind this request's back). */
export async function reloadDatasetVersion(em: EntityManager, versionId: number): Promise<DatasetVersion> {
  return em.fork().findOneOrFail(DatasetVersion, { id: versionId });
}

export async function openDatasetVersion(em: EntityManager, store: ArtifactStore, principal: Principal, id: number, label: string) {
  const { version } = await findDatasetVersion(em, principal, id, label);
  const opened = await store.get(version.storagePath);
  return { ...opened, fileName: versionFileName(version) };
}

/** Deletes a dataset, its versions and their content; refused while an environment uses it. */
export async function deleteDataset(em: EntityManager, store: ArtifactStore, principal: Principal, id: number, origin: RequestOrigin): Promise<void> {
  const dataset = await getDataset(em, principal, id);
  if (dataset.project === null) requireOrganizationWide(principal, 'delete a dataset shared by every project');
  const users = await em.find(Environment, { dataset: dataset.id }, { fields: ['name'], limit: 5 });
  if (users.length > 0) {
    throw conflict(`Dataset ${dataset.name} is used by environment ${users.map((e) => e.name).join(', ')}; point them at another dataset first`, 'still_referenced');
  }
  await em.transactional(async (tx) => {
    recordAudit(tx, actorOf(principal), 'dataset.deleted', { type: 'dataset', id: dataset.id }, { name: dataset.name }, origin);
    await tx.nativeDelete(Dataset, { id: dataset.id });
  });
  // Content goes after the rows: a failure here leaves unreachable bytes, never a version without content.
  await store.deletePrefix(datasetPrefix(dataset)).catch(() => undefined);
}
