import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from './organization.js';

/** Every audited action (FR-AUD-01..05); `action` is `<resource>.<verb>`. */
export const AUDIT_ACTIONS = [
  'user.login',
  'user.login_failed',
  'auth.sso_login',
  'user.logout',
  'user.registered',
  'user.role_changed',
  'user.password_changed',
  'user.password_reset',
  'user.activated',
  'user.deactivated',
  'project.created',
  'project.updated',
  'project.deleted',
  'project.purged',
  'project.secret_ref_changed',
  'project.feature_ingestion_not_started',
  'environment.created',
  'environment.updated',
  'environment.deleted',
  'environment.purged',
  'environment.secret_ref_changed',
  'dataset.created',
  'dataset.version_uploaded',
  'dataset.validated',
  'dataset.validation_not_started',
  'dataset.deleted',
  'suite.created',
  'suite.updated',
  'suite.deleted',
  'suite.purged',
  'run.triggered',
  'run.updated',
  'run.cancelled',
  'run.rerun',
  'schedule.created',
  'schedule.updated',
  'schedule.paused',
  'schedule.resumed',
  'schedule.deleted',
  'quarantine.added',
  'quarantine.lifted',
  'quarantine.expired',
  'service_token.created',
  'service_token.revoked',
  'infrastructure.registered',
  'infrastructure.removed',
  'notification_channel.created',
  'notification_channel.updated',
  'notification_channel.deleted',
  'notification_channel.tested',
  'organization.created',
  'organization.updated',
  'organization.deactivated',
  'organization.activated',
  'organization.sso_updated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An append-only record of who did what, when and from where. Never updated. */
export class AuditLog {
  id!: number;
  createdAt: Date = new Date();
  organization: number;
  action: AuditAction;
  /** Null for actions by a service token or by the platform itself. */
  userId: number | null = null;
  /** Who acted, as shown: a username, `token:<name>`, or `system`. */
  actor: string;
  resourceType: string;
  resourceId: string | null = null;
  /** What changed: field names with before/after values; secret references by name only. */
  details: Record<string, unknown> = {};
  ipAddress: string | null = null;
  userAgent: string | null = null;

  constructor(organization: number, action: AuditAction, actor: string, resourceType: string) {
    this.organization = organization;
    this.action = action;
    this.actor = actor;
    this.resourceType = resourceType;
  }
}

export const AuditLogSchema = defineEntity({
  class: AuditLog,
  tableName: 'audit_logs',
  properties: {
    id: p.integer().primary().autoincrement(),
    createdAt: p.datetime().onCreate(() => new Date()),
    organization: p.manyToOne(Organization).mapToPk(),
    action: p.string().length(64),
    // Kept as a plain column so that an entry outlives the user it names.
    userId: p.integer().nullable(),
    actor: p.string().length(200),
    resourceType: p.string().length(64),
    resourceId: p.string().length(64).nullable(),
    details: p.json<Record<string, unknown>>(),
    ipAddress: p.string().length(64).nullable(),
    userAgent: p.string().length(500).nullable(),
  },
  indexes: [
    { properties: ['organization', 'createdAt'] },
    { properties: ['organization', 'action', 'createdAt'] },
    { properties: ['organization', 'userId', 'createdAt'] },
  ],
});
