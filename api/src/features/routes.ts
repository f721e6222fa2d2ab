import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { FeatureDetailOut, FeatureListQuery, FeaturePage, IngestionErrorsOut, ScenarioHistoryOut, ScenarioHistoryQuery } from './schema.js';
import { featureOut, historyItemOut, ingestionErrorOut, scenarioOut } from './serialize.js';
import { getFeature, ingestionErrors, listFeatures, scenarioHistory } from './service.js';

/**
 * The BDD index, read side (PRD 14, FR-BDD-05): feature files with scenario counts and coverage,
 * one feature's scenarios and steps, a scenario's history across runs, and the files that did not
 * parse. Any role may read; project-scoped tokens see their project only.
 */
export function featureRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/features',
      summary: 'List indexed feature files with their scenario counts and coverage',
      tag: 'features',
      role: 'viewer',
      query: FeatureListQuery,
      response: { status: 200, schema: FeaturePage },
      handler: async ({ em, principal, query }) => {
        const { items, total } = await listFeatures(em, principal, query);
        return { body: { items: items.map(featureOut), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/features/:id',
      summary: 'Get a feature file with its scenarios, their steps and coverage status',
      tag: 'features',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: FeatureDetailOut },
      errors: [404],
      handler: async ({ em, principal, params }) => {
        const view = await getFeature(em, principal, params.id);
        return { body: { ...featureOut(view), scenarios: view.scenarios.map(scenarioOut) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/scenarios/:id/history',
      summary: "A scenario's results across runs, newest first",
      tag: 'features',
      role: 'viewer',
      params: IdParams,
      query: ScenarioHistoryQuery,
      response: { status: 200, schema: ScenarioHistoryOut },
      errors: [404],
      handler: async ({ em, principal, params, query }) => ({
        body: { items: (await scenarioHistory(em, principal, params.id, query.limit)).map(historyItemOut) },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/features/projects/:id/ingestion-errors',
      summary: "A project's feature files that failed to parse at their last indexing",
      tag: 'features',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: IngestionErrorsOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({
        body: { items: (await ingestionErrors(em, principal, params.id)).map(ingestionErrorOut) },
      }),
    }),
  ];
}
