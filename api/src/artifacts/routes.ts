import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { ArchiveQuery, ArtifactListQuery, ArtifactPage, RunArtifactParams } from './schema.js';
import { artifactOut, contentDisposition } from './serialize.js';
import { listRunArtifacts, openRunArchive, openRunArtifact } from './service.js';

/** FR-RUN-05, PRD 13: a run's stored artifacts (Allure, coverage, JUnit, logs, screenshots). */
export function artifactRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/artifacts',
      summary: "List a run's artifacts in the order they were stored, optionally of one kind or one shard",
      tag: 'artifacts',
      role: 'viewer',
      params: IdParams,
      query: ArtifactListQuery,
      response: { status: 200, schema: ArtifactPage },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const page = await listRunArtifacts(em, principal, params.id, query);
        return {
          body: {
            items: page.items.map(artifactOut),
            total: page.total,
            limit: query.limit,
            offset: query.offset,
            artifacts_deleted: page.artifactsDeleted,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/artifacts/download',
      summary:
        "Download a run's artifacts of one group as a zip: report (Allure), coverage (Cobertura XML + HTML), junit, logs or all. " +
        'Files of a shard are under shard-<k>/; 404 no_artifacts when the run has none of that group',
      tag: 'artifacts',
      role: 'viewer',
      params: IdParams,
      query: ArchiveQuery,
      response: { status: 200, description: 'A zip archive, streamed', contentType: 'application/zip' },
      errors: [404, 410],
      handler: async ({ em, principal, params, query }) => {
        const archive = await openRunArchive(em, deps.store, principal, params.id, query.kind);
        return {
          raw: archive.body,
          headers: {
            'Content-Type': 'application/zip',
            'Content-Disposition': contentDisposition(archive.fileName),
            'Cache-Control': 'private, no-store',
            'X-Archive-Files': String(archive.files),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/artifacts/:artifactId/download',
      summary:
        'Download one artifact of a run, streamed from the artifact store as an attachment (a generated report as a zip). ' +
        "410 artifacts_deleted once retention removed the run's artifacts; 404 artifact_missing when the object is gone from the store",
      tag: 'artifacts',
      role: 'viewer',
      params: RunArtifactParams,
      response: { status: 200, description: 'The artifact bytes, with the content type it was stored with', contentType: 'application/octet-stream' },
      errors: [404, 410],
      handler: async ({ em, principal, params }) => {
        const { body, sizeBytes, contentType, fileName } = await openRunArtifact(em, deps.store, principal, params.id, params.artifactId);
        return {
          raw: body,
          headers: {
            // Set as a header, not through Koa's `type`, which would append a charset to text types.
            'Content-Type': contentType,
            ...(sizeBytes !== null ? { 'Content-Length': String(sizeBytes) } : {}),
            'Content-Disposition': contentDisposition(fileName),
            // Artifacts are readable by this caller only; an HTML report must not run as the API's origin.
            'Cache-Control': 'private, no-store',
            'Content-Security-Policy': "default-src 'none'; sandbox",
          },
        };
      },
    }),
  ];
}
