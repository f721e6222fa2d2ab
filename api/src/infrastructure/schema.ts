import { z } from 'zod';
import { RESOURCE_KINDS, RESOURCE_STATUSES } from '@qatron/domain';
import { PageQuery } from '../http/pagination.js';

/** Keeps a resource row small: heartbeats rewrite it every interval. */
const METADATA_MAX_BYTES = 16_384;

const capacity = z.number().int().min(1).max(10_000).describe('Parallel slots it offers: shards for a worker, sessions for a grid');
const metadata = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES, `must be at most ${METADATA_MAX_BYTES} bytes as JSON`)
  .describe('Free-form facts it reports: version, host, task queues, browsers');


export const ResourceListQuery = PageQuery.extend({
  kind: z.enum(RESOURCE_KINDS).optional().describe('Only workers or only grids'),
  status: z.enum(RESOURCE_STATUSES).optional().describe('Only resources in this derived status'),
});

/** FR-INF-01: registering a name that already exists updates that resource (omitted optional fields keep their value). */
export const ResourceRegister = z.object({
  name: z.string().trim().min(1, 'is required').max(200).describe('Unique within the organization; registering it again updates the resource'),
  kind: z.enum(RESOURCE_KINDS),
  url: z.url('must be a URL').max(2000).nullable().optional().describe('Where the resource answers (a grid hub URL, a worker status page)'),
  capacity: capacity.optional().describe('Parallel slots it offers; 1 for a new resource when omitted'),
  metadata: metadata.optional(),
});

/** FR-INF-02: a heartbeat may report the current capacity and metadata (merged key by key). */
export const ResourceHeartbeatBody = z.object({
  capacity: capacity.optional(),
  metadata: metadata.optional().describe('Merged into the stored metadata key by key'),
});

export const ResourceOut = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(RESOURCE_KINDS),
  url: z.string().nullable(),
  capacity: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(RESOURCE_STATUSES).describe('Derived from the last heartbeat: online, stale, offline, or stopped after a clean shutdown'),
  last_heartbeat_at: z.iso.datetime().nullable(),
  seconds_since_heartbeat: z.number().int().nullable().describe('Whole seconds since the last heartbeat; null if it never beat'),
  stopped_at: z.iso.datetime().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
