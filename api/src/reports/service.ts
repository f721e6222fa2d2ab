import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ArtifactNotFoundError, Run, RunArtifact, type ArtifactStore } from '@qatron/domain';
import { notFound, Problem } from '../http/problems.js';
import { requireActiveOrganization } from '../organizations/service.js';
import { reportContentType, reportPrefix } from './files.js';
import type { ReportTokenSigner } from './tokens.js';

/**
 * The run a valid report token names, in the token's organization; 404 if it no longer exists,
 * 403 organization_deactivated once its organization is deactivated (the link is a credential too).
 */
export async function findTokenRun(em: EntityManager, id: number, organizationId: number): Promise<Run> {
  await requireActiveOrganization(em, organizationId);
  const run = await em.findOne(Run, { id, organization: organizationId });
  if (!run) throw notFound('Run', id);
  return run;
}

/**
 * The path of a run's Allure report, with a report token that opens it from a plain browser link
 * (FR-RPT-03); for the `report_url` of each run in `runs` that has a report, read in one query.
 * Runs whose artifacts retention removed have none.
 */
export async function reportUrls(em: EntityManager, signer: ReportTokenSigner, runs: readonly Run[]): Promise<Map<number, string>> {
  const urls = new Map<number, string>();
  const candidates = runs.filter((run) => !run.artifactsDeleted);
  if (candidates.length === 0) return urls;
  const reports = await em.find(RunArtifact, { run: { $in: candidates.map((run) => run.id) }, kind: 'allure_report' }, { fields: ['run'] });
  const withReport = new Set(reports.map((report) => report.run));
  for (const run of candidates) {
    if (!withReport.has(run.id)) continue;
    const { token } = await signer.sign(run);
    urls.set(run.id, `/api/v1/runs/${run.id}/report/?token=${token}`);
  }
  return urls;
}

/** One file of a stored report, ready to stream. */
export interface ReportFile {
  body: Readable;
  sizeBytes: number;
  contentType: string;
}

/**
 * Opens `path` of a run's stored Allure report (PRD 13.3: generated once after the run, served as
 * stored, never regenerated). The file is looked up under the prefix of the run's `allure_report`
 * artifact row, never under anything the client names, so no request reaches another run's objects.
 * 410 `artifacts_deleted` after retention, 404 `report_not_found` when the run has no report (yet),
 * 404 `not_found` for a file the report does not have.
 */
export async function openReportFile(em: EntityManager, store: ArtifactStore, run: Run, path: string): Promise<ReportFile> {
  if (run.artifactsDeleted) {
    const when = run.artifactsDeletedAt ? ` on ${run.artifactsDeletedAt.toISOString()}` : '';
    throw new Problem(410, 'artifacts_deleted', 'Gone', `The artifacts of run ${run.id}, its Allure report included, were deleted by the retention policy${when}; the run's results are kept`);
  }
  const report = await em.findOne(RunArtifact, { run: run.id, organization: run.organization, kind: 'allure_report' }, { orderBy: { id: 'desc' } });
  if (!report) throw new Problem(404, 'report_not_found', 'Not found', `Run ${run.id} has no Allure report; it is generated when the run's shards have finished`);
  try {
    const object = await store.get(reportPrefix(report.storageKey) + path);
    return { body: object.body, sizeBytes: object.sizeBytes, contentType: reportContentType(path) };
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw notFound(`File ${path} of the Allure report of run`, run.id);
    throw err;
  }
}
