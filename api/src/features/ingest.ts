import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { Problem } from '../http/problems.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { findVisibleProject } from '../http/scope.js';

/** How long the request waits for the ingestion before answering 202 (it goes on either way). */
const WAIT_MS = 60_000;

const IngestionError = z.object({ path: z.string(), line: z.number().int().nullable(), message: z.string() });
export const IngestionOut = z.object({
  status: z.enum(['completed', 'running']),
  project_id: z.number().int(),
  commit: z.string().nullable(),
  files: z.number().int().nullable(),
  parsed: z.number().int().nullable(),
  added: z.number().int().nullable(),
  updated: z.number().int().nullable(),
  deactivated: z.number().int().nullable(),
  pickles: z.number().int().nullable(),
  error_count: z.number().int().nullable(),
  errors: z.array(IngestionError),
});

/** POST …/ingest-features: index a project's feature files now (PRD 16; FR-BDD-01 on demand). */
export function featureIngestionRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/features/projects/:id/ingest-features',
      summary:
        "Index the project's feature files at the head of a branch (default: the project's default branch) on an execution worker; " +
        'answers with the result, or 202 while it is still running after a minute',
      tag: 'features',
      role: 'user',
      params: IdParams,
      query: z.object({ branch: z.string().trim().min(1).max(255).optional().describe("Branch to index; the project's default branch when absent") }),
      response: { status: 200, schema: IngestionOut },
      errors: [404, 503],
      handler: async ({ em, principal, params, query }) => {
        const project = await findVisibleProject(em, principal, params.id);
        let record;
        try {
          record = await deps.featureIngestion.ingest(project.id, query.branch ?? null, WAIT_MS);
        } catch (err) {
          if (!(err instanceof WorkflowFailedError)) throw err;
          // A failed ingestion (unreachable repository, unknown branch) is the client's to fix: say what failed.
          throw new Problem(422, 'ingestion_failed', 'Ingestion failed', `The feature files of project ${project.name} could not be indexed: ${rootCause(err)}`);
        }
        if (!record) return { status: 202, body: { status: 'running' as const, project_id: project.id, commit: null, files: null, parsed: null, added: null, updated: null, deactivated: null, pickles: null, error_count: null, errors: [] } };
        return { body: { status: 'completed' as const, project_id: project.id, ...record } };
      },
    }),
  ];
}

/** The innermost failure's message: Temporal wraps the activity's error in two layers. */
function rootCause(err: Error): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
