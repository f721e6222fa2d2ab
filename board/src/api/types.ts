/**
 * The API's JSON shapes as the Board reads them: generated from the API's OpenAPI document
 * (@qatron/api-types, `npm run generate:api-types`), never copied by hand. Only what the Board
 * adds to them lives here.
 */
import type { EnvironmentUpdate, Problem, RequestBody, ResponseBody, SuiteUpdate } from '@qatron/api-types';

export type {
  Artifact,
  ArtifactPage,
  AuditEntry,
  CreatedOrganization,
  CreatedServiceToken,
  Dashboard,
  Dataset,
  Environment,
  FailureGroup,
  Feature,
  FeatureDetail,
  Me,
  Organization,
  OrganizationInput,
  OrganizationPage,
  Page,
  Project,
  ProjectFailureGroups,
  ProjectUpdate,
  Quarantine,
  QuarantineInput,
  RerunRequest,
  Resource,
  Role,
  Run,
  RunFailureGroups,
  RunRerun,
  RunStatus,
  RunTrigger,
  Scenario,
  ScenarioRun,
  ScenarioStatus,
  ServiceToken,
  ServiceTokenInput,
  ShardProgress,
  Step,
  Suite,
  TestHealth,
  TestHealthClassification,
  TestHealthDetail,
  TestHealthQuery,
  TestResult,
  TestWindowEntry,
  TokenResponse,
  User,
} from '@qatron/api-types';

/**
 * RFC 9457 problem details: the API's, or one the Board makes for an answer that is not one (a
 * network error, a proxy's error page), which has no `type` or `code`.
 */
export type ProblemDetails = Pick<Problem, 'title' | 'status'> & Partial<Problem>;

/** What the environment forms send: a POST's fields, or a PUT's (only what changed). */
export type EnvironmentInput = EnvironmentUpdate;

/** What the suite forms send: a POST's fields, or a PUT's (only what changed). */
export type SuiteInput = SuiteUpdate;

/** A stretch of time a Selenium Grid failed its checks (issue 16 item 3), newest first in its history. */
export type GridOutage = ResponseBody<'get_infrastructure_id_outages'>['items'][number];

/** What registering a worker or a Grid sends (the Board registers Grids: name, kind grid, URL). */
export type ResourceRegistration = RequestBody<'post_infrastructure'>;
