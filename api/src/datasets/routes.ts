import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { contentDisposition } from '../artifacts/serialize.js';
import { DatasetCreate, DatasetDetailOut, DatasetListQuery, DatasetOut, DatasetUploadQuery, DatasetVersionOut, DatasetVersionParams } from './schema.js';
import { datasetOut, datasetVersionOut } from './serialize.js';
import { createDataset, datasetVersions, deleteDataset, getDataset, listDatasets, openDatasetVersion, uploadDatasetVersion } from './service.js';

/** The upload route's path: the body parser must leave its body to the handler (any content type, streamed). */
export const DATASET_UPLOAD_PATH = /^\/api\/v1\/datasets\/[^/]+\/versions\/[^/]+$/;

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
      response: { status: 201, schema: DatasetVersionOut },
      errors: [404, 409, 413],
      handler: async ({ em, principal, params, query, origin, koa }) => {
        const version = await uploadDatasetVersion(em, deps.store, principal, params.id, params.version, koa.req, koa.request.type || 'application/octet-stream', query.file_name, origin);
        return { status: 201, body: datasetVersionOut(version) };
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
