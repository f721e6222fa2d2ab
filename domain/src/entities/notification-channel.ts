import { defineEntity, p } from '@mikro-orm/core';
import { z } from 'zod';
import { BaseEntity, baseProperties } from './base.js';
import { checkedJsonColumn } from './checked-json.js';
import { Organization } from './organization.js';
import { Project } from './project.js';

/** Where a project's run notifications go (issue 17 item 3). */
export const NOTIFICATION_CHANNEL_KINDS = ['webhook', 'slack', 'email'] as const;
export type NotificationChannelKind = (typeof NOTIFICATION_CHANNEL_KINDS)[number];

/**
 * When a channel is told about a run: `failure` (the verdict is failed, partial_failed, timed_out
 * or infra_failed), `recovery` (the previous final run of the same suite and environment failed
 * and this one completed), `every_run` (every verdict, cancelled included).
 */
export const NOTIFICATION_TRIGGERS = ['failure', 'recovery', 'every_run'] as const;
export type NotificationTrigger = (typeof NOTIFICATION_TRIGGERS)[number];

/** The channel's rules: the triggers it listens to, and the suites it is limited to (empty: every suite). */
export const NotificationRules = z.object({
  on: z.array(z.enum(NOTIFICATION_TRIGGERS)).min(1),
  suite_ids: z.array(z.number().int().positive()),
});
export type NotificationRules = z.output<typeof NotificationRules>;

/** Email recipients, as stored. */
const Recipients = z.array(z.string());

/**
 * A webhook, a Slack incoming webhook or an email list of one project. Secrets are referenced by
 * name only (FR-SEC-02): the webhook's HMAC key and the Slack webhook URL (itself a credential) are
 * resolved on the worker that delivers, like repository secrets, and never stored.
 */
export class NotificationChannel extends BaseEntity {
  organization: number;
  project: number;
  name: string;
  kind: NotificationChannelKind;
  /** A webhook's http(s) URL; null for Slack (its URL is a secret) and email. */
  url: string | null = null;
  /** Webhook: the NAME of the HMAC-SHA256 signing key; Slack: the NAME of the secret holding the incoming-webhook URL. */
  secretRef: string | null = null;
  /** Email: who receives the messages. */
  recipients: string[] = [];
  rules: NotificationRules = { on: ['failure'], suite_ids: [] };
  enabled = true;

  constructor(organization: number, project: number, name: string, kind: NotificationChannelKind) {
    super();
    this.organization = organization;
    this.project = project;
    this.name = name;
    this.kind = kind;
  }
}

const RulesColumn = checkedJsonColumn<NotificationRules>((stored) => NotificationRules.parse(stored));
const RecipientsColumn = checkedJsonColumn<string[]>((stored) => Recipients.parse(stored));

export const NotificationChannelSchema = defineEntity({
  class: NotificationChannel,
  tableName: 'notification_channels',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    name: p.string().length(100),
    kind: p.enum(NOTIFICATION_CHANNEL_KINDS),
    url: p.string().length(2000).nullable(),
    secretRef: p.string().length(255).nullable(),
    recipients: p.type(RecipientsColumn).$type<string[]>(),
    rules: p.type(RulesColumn).$type<NotificationRules>(),
    enabled: p.boolean().default(true),
  },
  uniques: [{ properties: ['project', 'name'] }],
  indexes: [{ properties: ['organization', 'project'] }],
});
