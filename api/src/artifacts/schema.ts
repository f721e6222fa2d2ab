import { z } from 'zod';
import { ARTIFACT_KINDS } from '@qatron/domain';
import { pageOf, PageQuery } from '../http/pagination.js';
import { ARCHIVE_KINDS, type ArchiveKind } from './archive.js';

import { DbId as id } from '../http/params.js';

/** `GET /api/v1/runs/:id/artifacts`: a page of the run's artifacts, optionally of one kind or one shard. */
export const ArtifactListQuery = PageQuery.extend({
  kind: z.enum(ARTIFACT_KINDS).optional().describe(`Only artifacts of this kind: ${ARTIFACT_KINDS.join(', ')}`),
  shard: z.coerce.number().int().min(0, 'must be 0 or more').optional().describe('Only artifacts of this shard (0-based)'),
});
export type ArtifactListFilter = z.output<typeof ArtifactListQuery>;

/** An artifact is named by its id within its run, never by a path, so no path reaches the store. */
export const RunArtifactParams = z.object({
  id: id.describe('The run'),
  artifactId: id.describe('The artifact, as listed by GET /api/v1/runs/{id}/artifacts'),
});

export const ArtifactOut = z.object({
  id: z.number().int(),
  kind: z.enum(ARTIFACT_KINDS),
  name: z.string().describe('File name offered on download'),
  content_type: z.string(),
  size_bytes: z.number().int(),
  shard_index: z.number().int().nullable().describe('The shard that produced it; null for run-level artifacts (reports, combined coverage)'),
  created_at: z.iso.datetime(),
  download_url: z.string().describe('Path of the download endpoint for this artifact'),
});

export const ArtifactPage = pageOf(ArtifactOut).extend({
  artifacts_deleted: z
    .boolean()
    .describe("True once retention removed the run's artifacts (PRD 13.2); the list is empty then and downloads answer 410"),
});

/** `GET /api/v1/runs/:id/artifacts/download?kind=`: which artifacts go into the zip. */
export const ArchiveQuery = z.object({
  kind: z
    .enum(Object.keys(ARCHIVE_KINDS) as [ArchiveKind, ...ArchiveKind[]])
    .default('all')
    .describe('report (the Allure report), coverage (Cobertura XML and the HTML report), junit, logs, or all'),
});
