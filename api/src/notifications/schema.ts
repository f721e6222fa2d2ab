import { z } from 'zod';
import { NOTIFICATION_CHANNEL_KINDS, NOTIFICATION_EVENTS, NOTIFICATION_TRIGGERS } from '@qatron/domain';
import { SecretRefName } from '../projects/secret-ref.js';

const name = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters').describe('Unique within the project');
const kind = z
  .enum(NOTIFICATION_CHANNEL_KINDS)
  .describe('webhook: a signed JSON POST to `url`; slack: a Slack incoming webhook whose URL is the secret `secret_ref`; email: over the workers\' SMTP server to `recipients`');
const url = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .refine((value) => /^https?:\/\/[^/\s]/.test(value) && URL.canParse(value), 'must be an http:// or https:// URL')
  .nullable()
  .describe('webhook: where the JSON is POSTed; null for slack and email');
const secretRef = SecretRefName.nullable().describe(
  'NAME of a worker secret (never its value): webhook: the HMAC-SHA256 key of `X-QAtron-Signature: sha256=<hex>`; slack: the incoming-webhook URL',
);
const recipients = z.array(z.email('must be an email address').max(320)).max(50, 'must have at most 50 recipients').describe('email: who receives the messages');
const on = z
  .array(z.enum(NOTIFICATION_TRIGGERS))
  .min(1, 'must name at least one trigger')
  .refine((triggers) => new Set(triggers).size === triggers.length, 'must not repeat a trigger')
  .describe(
    'failure: the verdict is failed, partial_failed, timed_out or infra_failed; recovery: the previous run of the same suite and environment failed and this one completed; every_run: every verdict',
  );
const suiteIds = z.array(z.number().int().positive('must be a positive integer')).max(100).describe("Only these suites' runs; empty: every suite of the project");

/** POST /api/v1/projects/:id/notification-channels. */
export const NotificationChannelCreate = z.object({
  name,
  kind,
  url: url.default(null),
  secret_ref: secretRef.default(null),
  recipients: recipients.default([]),
  on: on.default(['failure']),
  suite_ids: suiteIds.default([]),
  enabled: z.boolean().default(true).describe('A disabled channel keeps its rules and is sent nothing'),
});
export type NotificationChannelCreateInput = z.output<typeof NotificationChannelCreate>;

/** PUT /api/v1/notification-channels/:id: any subset of the fields but the kind; lists given replace the stored ones. */
export const NotificationChannelUpdate = z.object({
  name: name.optional(),
  url: url.optional(),
  secret_ref: secretRef.optional(),
  recipients: recipients.optional(),
  on: on.optional(),
  suite_ids: suiteIds.optional(),
  enabled: z.boolean().optional(),
});
export type NotificationChannelUpdateInput = z.output<typeof NotificationChannelUpdate>;

export const NotificationChannelOut = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  project_id: z.number().int(),
  name: z.string(),
  kind: z.enum(NOTIFICATION_CHANNEL_KINDS),
  url: z.string().nullable(),
  secret_ref: z.string().nullable(),
  recipients: z.array(z.string()),
  on: z.array(z.enum(NOTIFICATION_TRIGGERS)),
  suite_ids: z.array(z.number().int()),
  enabled: z.boolean(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

export const NotificationDeliveryOut = z.object({
  id: z.number().int(),
  channel_id: z.number().int(),
  run_id: z.number().int().nullable().describe('Null for a test message'),
  delivery_id: z.string().describe('Shared by the attempts of one notification (the webhook\'s X-QAtron-Delivery)'),
  event: z.enum(NOTIFICATION_EVENTS),
  attempt: z.number().int().describe('1 for the first attempt; retries count up'),
  status_code: z.number().int().nullable().describe("The receiver's HTTP status, or the SMTP server's reply code; null when none answered"),
  error: z.string().nullable().describe('Why the attempt failed; null when it was delivered'),
  delivered_at: z.iso.datetime().nullable(),
  created_at: z.iso.datetime().describe('When the attempt was made'),
});

/** The answer of POST /api/v1/notification-channels/:id/test: the one attempt of the test message. */
export const NotificationTestOut = z.object({
  delivered: z.boolean(),
  delivery_id: z.string().nullable(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
});
