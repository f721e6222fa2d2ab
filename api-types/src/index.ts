/**
 * The API's JSON shapes by name, for the Board and the CLI: every alias is read from the types
 * generated from the API's OpenAPI document (./openapi.d.ts, `npm run generate:api-types`), so none
 * can drift from what the API answers. Types only: importing this package adds nothing at run time.
 */
import type { components, operations, paths } from './openapi.js';

export type { components, operations, paths };

/** An operation by its OpenAPI operationId (`get_runs_id`: method, then the path after /api/v1). */
export type OperationId = keyof operations;

type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body `operation` answers with `status` (200 unless said). */
export type ResponseBody<O extends OperationId, S extends number = 200> = S extends keyof operations[O]['responses'] ? JsonContent<operations[O]['responses'][S]> : never;

/** The JSON body `operation` takes (a PUT's fields are all optional: it sends only what changed). */
export type RequestBody<O extends OperationId> = JsonContent<NonNullable<operations[O]['requestBody']>>;

/** The query string `operation` reads. */
export type QueryOf<O extends OperationId> = NonNullable<operations[O]['parameters']['query']>;

type ItemOf<List> = List extends { items: (infer Item)[] } ? Item : never;

/** A list answer (`items` with `total`, `limit` and `offset`), as every paginated list endpoint has it. */
export type Page<Item> = Omit<ResponseBody<'get_projects'>, 'items'> & { items: Item[] };

/** RFC 9457 problem details, the body of every error answer. */
export type Problem = components['schemas']['Problem'];

export type TokenResponse = ResponseBody<'post_auth_login'>;
export type Me = ResponseBody<'get_auth_me'>;
export type User = ResponseBody<'get_users_id'>;
export type Role = User['role'];
export type ServiceToken = ItemOf<ResponseBody<'get_auth_service_tokens'>>;
/** A new service token: the only answer that carries the token itself. */
export type CreatedServiceToken = ResponseBody<'post_auth_service_tokens', 201>;
export type ServiceTokenInput = RequestBody<'post_auth_service_tokens'>;

export type OrganizationPage = ResponseBody<'get_organizations'>;
export type Organization = ItemOf<OrganizationPage>;
export type OrganizationInput = RequestBody<'post_organizations'>;
export type CreatedOrganization = ResponseBody<'post_organizations', 201>;

export type Project = ResponseBody<'get_projects_id'>;
export type ProjectInput = RequestBody<'post_projects'>;
export type ProjectUpdate = RequestBody<'put_projects_id'>;

export type Environment = ResponseBody<'get_environments_id'>;
export type EnvironmentInput = RequestBody<'post_projects_id_environments'>;
export type EnvironmentUpdate = RequestBody<'put_environments_id'>;

export type Suite = ResponseBody<'get_suites_id'>;
export type SuiteInput = RequestBody<'post_projects_id_suites'>;
export type SuiteUpdate = RequestBody<'put_suites_id'>;

/** A test data set an environment can use (FR-DATA), as the list shows it. */
export type Dataset = ItemOf<ResponseBody<'get_datasets'>>;

export type Run = ResponseBody<'get_runs_id'>;
/** The run statuses (PRD 9.2), as the API spells them. */
export type RunStatus = Run['status'];
export type RunTrigger = RequestBody<'post_runs'>;
export type ShardProgress = NonNullable<Run['progress']>['shards'][number];
export type ArtifactPage = ResponseBody<'get_runs_id_artifacts'>;
export type Artifact = ItemOf<ArtifactPage>;
export type TestResult = ItemOf<ResponseBody<'get_runs_id_tests'>>;

export type Resource = ResponseBody<'get_infrastructure_id'>;
/** A worker's or Grid's status, unhealthy included (a Grid whose latest check failed). */
export type ResourceStatus = Resource['status'];
export type ResourceInput = RequestBody<'post_infrastructure'>;
/** The platform's latest check of a Grid: when, why it failed (null: it passed), and its health. */
export type ResourceCheck = NonNullable<Resource['check']>;
/** A Grid's health from its `/status`: readiness, nodes, slots and browsers. */
export type GridHealth = NonNullable<ResourceCheck['health']>;
export type GridBrowser = GridHealth['browsers'][number];
export type GridOutagePage = ResponseBody<'get_infrastructure_id_outages'>;
/** A stretch of time a Grid failed its checks; `ended_at` and `duration_seconds` are null while it lasts. */
export type GridOutage = ItemOf<GridOutagePage>;
export type AuditEntry = ItemOf<ResponseBody<'get_audit_logs'>>;

export type Feature = ItemOf<ResponseBody<'get_features'>>;
export type FeatureDetail = ResponseBody<'get_features_id'>;
export type Scenario = FeatureDetail['scenarios'][number];
export type Step = Scenario['steps'][number];
export type ScenarioStatus = Scenario['status'];
export type ScenarioRun = ItemOf<ResponseBody<'get_scenarios_id_history'>>;

/** `GET /api/v1/dashboard`: everything the dashboard draws, aggregated on the server. */
export type Dashboard = ResponseBody<'get_dashboard'>;

/** Test intelligence (issue 15): per-test health, quarantine, re-runs, failure groups. */
export type TestHealthPage = ResponseBody<'get_projects_id_tests'>;
export type TestHealthDetail = ResponseBody<'get_projects_id_tests_test_id'>;
/** One test in one suite and environment, as the health list shows it. */
export type TestHealth = ItemOf<TestHealthPage>;
export type TestHealthClassification = TestHealth['classification'];
/** The filters and sort of `GET /api/v1/projects/{id}/tests`. */
export type TestHealthQuery = QueryOf<'get_projects_id_tests'>;
/** One run of a test's window, oldest first: outcome, commit, retried, duration. */
export type TestWindowEntry = TestHealthDetail['history'][number];
export type QuarantinePage = ResponseBody<'get_projects_id_quarantine'>;
export type Quarantine = ItemOf<QuarantinePage>;
export type QuarantineInput = RequestBody<'post_projects_id_quarantine'>;
/** `POST /api/v1/runs/{id}/rerun`: the failed tests, or the tests of some shards. */
export type RerunRequest = RequestBody<'post_runs_id_rerun'>;
/** A re-run as the original run lists it. */
export type RunRerun = Run['reruns'][number];
export type RunFailureGroups = ResponseBody<'get_runs_id_failure_groups'>;
export type FailureGroup = RunFailureGroups['groups'][number];
export type ProjectFailureGroups = ResponseBody<'get_projects_id_failure_groups'>;
