import { WorkflowFailedError } from '@temporalio/client';
import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { pageOf } from '../http/pagination.js';
import { actorOf } from '../audit/record.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { contentDisposition } from '../artifacts/serialize.js';
import { DatasetCreate, DatasetDetailOut, DatasetListQuery, DatasetOut, DatasetUploadQuery, DatasetValidateBody, DatasetVersionOut, DatasetVersionParams } from './schema.js';
import { datasetOut, datasetVersionOut } from './serialize.js';
import { createDataset, datasetVersions, deleteDataset, getDataset, listDatasets, openDatasetVersion, reloadDatasetVersion, resolveValidation, startValidation, uploadDatasetVersion } from './service.js';

/** How long a validation request waits for the verdict before answering 202 (it goes on either way). */
const VALIDATION_WAIT_MS = 120_000;

/** Test data sets with immutable versions (FR-DATA-01); runs pin the newest version of their environment's dataset (FR-DATA-03). */
export function datasetRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/datasets',
      summary: 'List datasets with their newest version',
      tag: 'datasets',
      role: 'viewer',
      query: DatasetListQuery,
      response: { status: 200, schema: pageOf(DatasetOut) },
      errors: [404],
      handler: async ({ em, principal, query }) => {
        const { items, total } = await listDatasets(em, principal, query);
        return { body: { items: items.map((i) => datasetOut(i.dataset, i.latest)), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/datasets',
      summary: 'Register a dataset, for one project or shared by the organization (user)',
      tag: 'datasets',
      role: 'user',
      body: DatasetCreate,
      response: { status: 201, schema: DatasetOut },
      errors: [404, 409],
      handler: async ({ em, principal, body, origin }) => ({ status: 201, body: datasetOut(await createDataset(em, principal, body, origin), null) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/datasets/:id',
      summary: 'Get a dataset and its versions, newest first',
      tag: 'datasets',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: DatasetDetailOut },
      errors: [404],
      handler: async ({ em, principal, params }) => {
        const dataset = await getDataset(em, principal, params.id);
        const versions = await datasetVersions(em, dataset);
        return { body: { ...datasetOut(dataset, versions[0] ?? null), versions: versions.map(datasetVersionOut) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/datasets/:id',
      summary: 'Delete a dataset, its versions and their content; refused while an environment uses it (admin)',
      tag: 'datasets',
      role: 'admin',
      params: IdParams,
      response: { status: 204 },
      errors: [404, 409],
      handler: async ({ em, principal, params, origin }) => {
        await deleteDataset(em, deps.store, principal, params.id, origin);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/datasets/:id/versions/:version',
      summary:
        'Upload a new, immutable version: the request body is the content (any Content-Type, at most 100 MiB); ' +
        'file_name (or the Content-Type) names the stored file, whose extension tells the framework how to read it (user)',
      tag: 'datasets',
      role: 'user',
      params: DatasetVersionParams,
      query: DatasetUploadQuery,
      bodyFormat: 'raw',
      response: { status: 201, schema: DatasetVersionOut },
      errors: [404, 409, 413],
      handler: async ({ em, principal, params, query, origin, koa }) => {
        const validation = deps.datasetValidation;
        const version = await uploadDatasetVersion(em, deps.store, principal, params.id, params.version, koa.req, koa.request.type || 'application/octet-stream', query.file_name, origin, validation.validatesUploads);
        // A version inherits its predecessor's suite and is validated in the background (FR-DATA-02);
        // when the engine cannot be reached it stays pending until validated on request.
        if (version.expectations !== null) validation.startInBackground(version, actorOf(principal), origin);
        return { status: 201, body: datasetVersionOut(version) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/datasets/:id/versions/:version/validate',
      summary:
        'Validate a version with Great Expectations against an expectation suite (sent in GE\'s JSON format, else the stored one, else the newest ' +
        "earlier version's), on an execution worker; answers the version with its verdict, or 202 while still pending after two minutes (user)",
      tag: 'datasets',
      role: 'user',
      params: DatasetVersionParams,
      body: DatasetValidateBody,
      response: { status: 200, schema: DatasetVersionOut, description: 'Validated: the verdict', also: { 202: { description: 'Still pending after two minutes; the validation goes on' } } },
      errors: [404, 503],
      handler: async ({ em, principal, params, body, origin }) => {
        const request = await resolveValidation(em, principal, params.id, params.version, body.expectations);
        deps.datasetValidation.requireEngine();
        const version = await startValidation(em, principal, request, origin);
        const deadline = Date.now() + VALIDATION_WAIT_MS;
        let current = version;
        for (let attempt = 1; attempt <= 3; attempt++) {
          let outcome;
          try {
            outcome = await deps.datasetValidation.validate(version.id, Math.max(1, deadline - Date.now()));
          } catch (err) {
            // A failed workflow has recorded what it could; the version shows it.
            if (!(err instanceof WorkflowFailedError)) throw err;
            outcome = null;
          }
          current = await reloadDatasetVersion(em, version.id);
          // Joining a validation that had already judged the previous suite leaves this one pending: go again.
          if (outcome === null || current.validationStatus !== 'pending' || Date.now() >= deadline) break;
        }
        return { status: current.validationStatus === 'pending' ? 202 : 200, body: datasetVersionOut(current) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/datasets/:id/versions/:version/content',
      summary: "Download a version's content",
      tag: 'datasets',
      role: 'viewer',
      params: DatasetVersionParams,
      response: { status: 200, contentType: 'application/octet-stream', description: 'The content as uploaded' },
      errors: [404],
      handler: async ({ em, principal, params }) => {
        const opened = await openDatasetVersion(em, deps.store, principal, params.id, params.version);
        return {
          raw: opened.body,
          contentType: opened.contentType,
          headers: { 'Content-Length': String(opened.sizeBytes), 'Content-Disposition': contentDisposition(opened.fileName) },
        };
      },
    }),
  ];
}
