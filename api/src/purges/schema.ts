import { z } from 'zod';
import { PURGE_STATUSES, PURGED_RESOURCE_TYPES } from '@qatron/domain';

/** A purge: what a deletion left in the artifact store, and how far the purge workflow has got. */
export const PurgeOut = z.object({
  id: z.number().int(),
  project_id: z.number().int().describe('The project deleted, or the project of the suite or environment deleted'),
  resource_type: z.enum(PURGED_RESOURCE_TYPES).describe('What was deleted'),
  resource_id: z.number().int().describe('Its id (the row is gone)'),
  resource_name: z.string(),
  status: z.enum(PURGE_STATUSES).describe('pending until every prefix is gone from the store, then purged'),
  prefixes: z.number().int().describe('Artifact-store prefixes to delete: one per run, and for a project its datasets and its own'),
  prefixes_done: z.number().int().describe('Prefixes already deleted'),
  objects_deleted: z.number().int().describe('Objects removed from the store so far'),
  requested_by: z.string().describe('Who deleted the resource'),
  created_at: z.iso.datetime(),
  completed_at: z.iso.datetime().nullable(),
});
