import { AuditLogSchema } from './audit-log.js';
import { DatasetSchema, DatasetVersionSchema } from './dataset.js';
import { EnvironmentSchema } from './environment.js';
import { FeatureSchema, ScenarioSchema, StepSchema } from './feature.js';
import { GridOutageSchema } from './grid-outage.js';
import { InfrastructureResourceSchema } from './infrastructure-resource.js';
import { NotificationChannelSchema } from './notification-channel.js';
import { NotificationDeliverySchema } from './notification-delivery.js';
import { OrganizationSchema } from './organization.js';
import { OrganizationSsoSchema } from './organization-sso.js';
import { ProjectSchema } from './project.js';
import { PurgeSchema } from './purge.js';
import { QuarantineSchema } from './quarantine.js';
import { RevokedSessionSchema } from './revoked-session.js';
import { RunArtifactSchema } from './run-artifact.js';
import { RunScheduleSchema } from './run-schedule.js';
import { RunSchema } from './run.js';
import { ScenarioResultSchema } from './scenario-result.js';
import { ServiceTokenSchema } from './service-token.js';
import { SsoLoginSchema } from './sso-login.js';
import { SuiteSchema } from './suite.js';
import { TestHealthSchema } from './test-health.js';
import { TestResultSchema } from './test-result.js';
import { UserSchema } from './user.js';

export * from './audit-log.js';
export * from './base.js';
export * from './dataset.js';
export * from './environment.js';
export * from './feature.js';
export * from './grid-outage.js';
export * from './infrastructure-resource.js';
export * from './notification-channel.js';
export * from './notification-delivery.js';
export * from './organization.js';
export * from './organization-sso.js';
export * from './project.js';
export * from './purge.js';
export * from './quarantine.js';
export * from './revoked-session.js';
export * from './run-artifact.js';
export * from './run-schedule.js';
export * from './run.js';
export * from './scenario-result.js';
export * from './service-token.js';
export * from './sso-login.js';
export * from './suite.js';
export * from './test-health.js';
export * from './test-result.js';
export * from './user.js';

/** Every mapped entity, for the ORM configuration. */
export const ENTITY_SCHEMAS = [
  OrganizationSchema,
  UserSchema,
  ProjectSchema,
  DatasetSchema,
  DatasetVersionSchema,
  EnvironmentSchema,
  SuiteSchema,
  RunSchema,
  RunArtifactSchema,
  ServiceTokenSchema,
  RevokedSessionSchema,
  AuditLogSchema,
  InfrastructureResourceSchema,
  FeatureSchema,
  ScenarioSchema,
  StepSchema,
  TestResultSchema,
  ScenarioResultSchema,
  TestHealthSchema,
  QuarantineSchema,
  GridOutageSchema,
  NotificationChannelSchema,
  NotificationDeliverySchema,
  PurgeSchema,
  OrganizationSsoSchema,
  SsoLoginSchema,
  RunScheduleSchema,
];
