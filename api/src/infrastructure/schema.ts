import { z } from 'zod';
import { GridHealth, RESOURCE_KINDS, RESOURCE_STATUSES } from '@qatron/domain';
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

/**
 * FR-INF-01: registering a name that already exists updates that resource (omitted optional fields
 * keep their value). A Grid is polled at its URL (issue 16), so a Grid without one is refused.
 */
export const ResourceRegister = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200).describe('Unique within the organization; registering it again updates the resource'),
    kind: z.enum(RESOURCE_KINDS),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .max(2000)
      .nullable()
      .optional()
      .describe("Where the resource answers: a worker's status page, or a Grid's URL (required for a grid: its /status is checked at once and then on an interval)"),
    capacity: capacity.optional().describe("Parallel slots it offers; 1 for a new resource when omitted. A Grid's capacity follows its slots once checked"),
    metadata: metadata.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'grid' && !input.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required: a Grid is registered by its URL' });
  });

/** FR-INF-02: a heartbeat may report the current capacity and metadata (merged key by key). */
export const ResourceHeartbeatBody = z.object({
  capacity: capacity.optional(),
  metadata: metadata.optional().describe('Merged into the stored metadata key by key'),
});

/** The platform's latest check of a polled resource (a Grid's /status, issue 16 item 3). */
export const ResourceCheck = z.object({
  checked_at: z.iso.datetime().describe('When the platform last asked it'),
  error: z.string().nullable().describe('Why that check failed ("connection refused", "not ready: …"); null when it passed'),
  health: GridHealth.nullable().describe("The Grid's health from its last answered /status (kept while it is unreachable: the last known); null if it never answered"),
});

export const ResourceOut = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(RESOURCE_KINDS),
  url: z.string().nullable(),
  capacity: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  status: z
    .enum(RESOURCE_STATUSES)
    .describe("Derived from the last heartbeat: online, stale, offline, or stopped after a clean shutdown; unhealthy when the platform's latest check of it failed"),
  last_heartbeat_at: z.iso.datetime().nullable(),
  seconds_since_heartbeat: z.number().int().nullable().describe('Whole seconds since the last heartbeat; null if it never beat'),
  stopped_at: z.iso.datetime().nullable(),
  check: ResourceCheck.nullable().describe('The latest check by the platform (Grids are checked at their URL); null if it was never checked'),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

/** A stretch of time a Grid failed its checks: opened by the first failed check, closed by the next passing one. */
export const GridOutageOut = z.object({
  id: z.number().int(),
  started_at: z.iso.datetime(),
  ended_at: z.iso.datetime().nullable().describe('When a check passed again; null while the outage lasts'),
  reason: z.string().describe("The first failed check's reason"),
  duration_seconds: z.number().int().nullable().describe('Whole seconds from start to end; null while the outage lasts'),
});
