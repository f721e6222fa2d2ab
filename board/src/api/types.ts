/**
 * The API's JSON shapes as the Board reads them (snake_case, as the API answers; see
 * /api/v1/openapi.json). Only the fields the Board shows are required here.
 */
import type { RunStatus } from './run-status';

export type { RunStatus };
export type Role = 'viewer' | 'user' | 'admin';

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  /** An admin reset the password: every call but the password change and logout answers 403 until it is changed. */
  password_change_required: boolean;
}

export interface User {
  id: number;
  organization_id: number;
  username: string;
  email: string;
  role: Role;
  is_active: boolean;
  last_login_at: string | null;
  created_at: string;
}

export interface Me {
  kind: 'user' | 'service_token';
  organization_id: number;
  role: Role;
  name: string;
  user: User | null;
  project_id: number | null;
}

export interface Project {
  id: number;
  name: string;
  description: string;
  repo_url: string;
  default_branch: string;
  auth_method: 'none' | 'token' | 'ssh';
  secret_ref: string | null;
  environment_count: number;
  suite_count: number;
  created_at: string;
  updated_at: string;
}

export interface Environment {
  id: number;
  project_id: number;
  name: string;
  kind: 'development' | 'staging' | 'production';
  base_url: string | null;
  variables: Record<string, string>;
  secret_refs: Record<string, string>;
  retention_days: number | null;
  effective_retention_days: number;
  dataset_id: number | null;
}

/** What `POST /projects/:id/environments` and `PUT /environments/:id` take; a PUT sends only what changed. */
export type EnvironmentInput = Partial<Pick<Environment, 'name' | 'kind' | 'base_url' | 'variables' | 'secret_refs' | 'retention_days' | 'dataset_id'>>;

export interface Suite {
  id: number;
  project_id: number;
  name: string;
  description: string;
  layer: 'unit' | 'contract' | 'integration' | 'e2e';
  markers: string;
  keywords: string;
  paths: string[];
  shards: number;
  workers_per_shard: number;
  retries: number;
  timeout_seconds: number;
  /** Measure coverage in the shards (PRD 15); false runs at full speed and allows no threshold. */
  coverage: boolean;
  coverage_threshold: number | null;
  /** A selection of no test ends the run completed instead of failed ("no tests collected"). */
  allow_empty: boolean;
  /** How the repository installs itself into the run's venv (`pip install -e .[test]`); null: requirements files and pyproject.toml. */
  install_command: string | null;
  /** The Python to run on (`3.12`); null: the newest the worker has that requires-python allows. */
  python_version: string | null;
  require_dataset_health: boolean;
}

/** What `POST /projects/:id/suites` and `PUT /suites/:id` take; a PUT sends only what changed. */
export type SuiteInput = Partial<Omit<Suite, 'id' | 'project_id'>>;

export interface DatasetVersion {
  id: number;
  version: string;
  validation_status: string;
}

/** A test data set an environment can use (FR-DATA): the project's own or the organization's shared ones. */
export interface Dataset {
  id: number;
  name: string;
  description: string;
  project_id: number | null;
  latest_version: DatasetVersion | null;
}

export interface ShardProgress {
  index: number;
  status: 'pending' | 'running' | 'passed' | 'failed' | 'timed_out' | 'infra_failed' | 'cancelled';
  total: number;
  done: number;
  passed: number;
  failed: number;
  skipped: number;
  elapsed_seconds: number;
  attempt: number;
  worker: string | null;
  reason: string | null;
}

export interface Run {
  id: number;
  project_id: number;
  project_name: string;
  suite_id: number;
  suite_name: string;
  environment_id: number;
  environment_name: string;
  status: RunStatus;
  status_reason: string | null;
  branch: string;
  commit: string | null;
  triggered_by_name: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  total_tests: number;
  passed_tests: number;
  failed_tests: number;
  error_tests: number;
  skipped_tests: number;
  xfailed_tests: number;
  xpassed_tests: number;
  flaky_tests: number;
  duration_seconds: number | null;
  coverage_percent: number | null;
  /** The Allure report and coverage HTML attach after the verdict. */
  report_status: 'pending' | 'ready' | 'failed' | 'skipped';
  artifacts_deleted: boolean;
  run_metadata: Record<string, unknown>;
  progress: { status: RunStatus; shards: ShardProgress[] } | null;
  report_url: string | null;
}

export interface Artifact {
  id: number;
  kind: string;
  name: string;
  content_type: string;
  size_bytes: number;
  shard_index: number | null;
  created_at: string;
  download_url: string;
}

export interface TestResult {
  id: number;
  node_id: string;
  file: string;
  outcome: 'passed' | 'failed' | 'skipped' | 'error';
  duration_seconds: number;
  attempts: number;
  flaky: boolean;
  message: string | null;
  shard_index: number;
}

export interface Resource {
  id: number;
  name: string;
  kind: 'worker' | 'grid';
  url: string | null;
  capacity: number;
  metadata: Record<string, unknown>;
  status: 'online' | 'stale' | 'offline' | 'stopped';
  last_heartbeat_at: string | null;
  seconds_since_heartbeat: number | null;
}

export interface ServiceToken {
  id: number;
  name: string;
  token_prefix: string;
  project_id: number | null;
  role: Role;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  is_active: boolean;
}

export interface AuditEntry {
  id: number;
  created_at: string;
  action: string;
  user_id: number | null;
  actor: string;
  resource_type: string;
  resource_id: string | null;
  details: Record<string, unknown>;
  ip_address: string | null;
}

export type ScenarioStatus = 'never_run' | 'passed' | 'failed' | 'skipped';

export interface Feature {
  id: number;
  project_id: number;
  path: string;
  name: string;
  description: string;
  tags: string[];
  language: string;
  is_active: boolean;
  /** Why the file did not parse at its last indexing; its previous scenarios are kept. */
  parse_error: { line: number | null; message: string } | null;
  indexed_commit: string | null;
  scenario_count: number;
  coverage: Record<ScenarioStatus, number>;
}

export interface Step {
  position: number;
  keyword: string;
  text: string;
  data_table: string[][] | null;
  doc_string: string | null;
}

export interface Scenario {
  id: number;
  stable_id: string;
  name: string;
  type: 'scenario' | 'scenario_outline';
  rule: string | null;
  tags: string[];
  line_start: number;
  line_end: number;
  is_active: boolean;
  status: ScenarioStatus;
  last_run_id: number | null;
  steps: Step[];
}

export interface FeatureDetail extends Feature {
  scenarios: Scenario[];
}

export interface ScenarioRun {
  run_id: number;
  outcome: string;
  example_line: number | null;
  duration_seconds: number | null;
  created_at: string;
  branch: string;
  commit_sha: string | null;
  run_status: RunStatus;
}

/** `GET /api/v1/dashboard`: everything the dashboard draws, aggregated on the server. */
export interface Dashboard {
  days: number;
  since: string;
  totals: { runs: number; passed_tests: number; total_tests: number; pass_rate: number | null; avg_duration_seconds: number | null };
  runs_by_status: { status: RunStatus; count: number }[];
  trends: {
    project_id: number;
    project_name: string;
    suite_id: number;
    suite_name: string;
    points: { day: string; runs: number; pass_rate: number | null; avg_duration_seconds: number | null }[];
  }[];
  coverage: { day: string; avg_coverage_percent: number }[];
  slowest_tests: { project_name: string; node_id: string; avg_duration_seconds: number; runs: number }[];
  failing_tests: { project_name: string; node_id: string; failures: number; runs: number }[];
  recent_runs: Run[];
}
