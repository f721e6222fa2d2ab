/**
 * The Board's one HTTP client: the API is its only data source (DESIGN "Module boundaries").
 * Relative `/api/v1/...` URLs, since the Board is served from the API's origin (api/src/board.ts,
 * nginx in containers). Errors are RFC 9457 problem details and surface as ApiError with the
 * problem's `detail`; a 401 on an authenticated call tells the auth store the session is over.
 */
import type {
  ArtifactPage,
  AuditEntry,
  CreatedServiceToken,
  Dashboard,
  Dataset,
  Environment,
  EnvironmentInput,
  Feature,
  FeatureDetail,
  GridOutage,
  Me,
  Page,
  ProblemDetails,
  Project,
  ProjectFailureGroups,
  Quarantine,
  QuarantineInput,
  RerunRequest,
  Resource,
  ResourceRegistration,
  Run,
  RunFailureGroups,
  RunTrigger,
  ScenarioRun,
  ServiceToken,
  ServiceTokenInput,
  Suite,
  SuiteInput,
  TestHealth,
  TestHealthDetail,
  TestHealthQuery,
  TestResult,
  TokenResponse,
  User,
} from './types';
import type { RequestBody, ResponseBody } from '@qatron/api-types';

/** A run schedule (issue 17 item 2), as the API answers it, and what creating one sends. */
export type RunSchedule = ResponseBody<'get_schedules_id'>;
export type RunScheduleInput = RequestBody<'post_suites_id_schedules'>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(problem.detail ?? problem.title);
  }
}

interface Session {
  token: () => string | null;
  onUnauthorized: () => void;
}

let session: Session = { token: () => null, onUnauthorized: () => {} };

/** Wired once by the auth store: where the bearer token comes from, and what a 401 does. */
export function bindSession(next: Session): void {
  session = next;
}

type Query = Record<string, string | number | boolean | null | undefined>;

/** `?a=1&b=x`, leaving out empty values so that an unset filter is no filter. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function problemOf(res: Response): Promise<ProblemDetails> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ProblemDetails;
    if (body && typeof body === 'object' && 'title' in body) return body;
  } catch {
    // Not JSON: a proxy's error page or an empty body.
  }
  return { title: res.statusText || 'Request failed', status: res.status, detail: `The server answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
}

/** Content sent as the request body itself, not as JSON (a dataset version's file). */
export interface RawBody {
  content: Blob;
  contentType: string;
}

/** One API call; `body` is sent as JSON. Resolves with the parsed JSON (or undefined for 204). */
export async function request<T>(method: string, path: string, body?: unknown, init: { auth?: boolean; form?: Record<string, string>; raw?: RawBody } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = init.auth ?? true;
  const token = auth ? session.token() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: string | Blob | undefined;
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(init.form).toString();
  } else if (init.raw) {
    headers['Content-Type'] = init.raw.contentType;
    payload = init.raw.content;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', status: 0, detail: `The API could not be reached (${(err as Error).message})` });
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && auth) session.onUnauthorized();
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Downloads an authenticated file (artifacts need the bearer token, so a plain link cannot). */
export async function download(path: string, fallbackName: string): Promise<void> {
  const token = session.token();
  const res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface RunFilter {
  project_id?: number | null;
  suite_id?: number | null;
  environment_id?: number | null;
  status?: string | null;
  branch?: string | null;
  limit?: number;
  offset?: number;
}

export interface AuditFilter {
  action?: string | null;
  user_id?: number | null;
  resource_type?: string | null;
  from?: string | null;
  to?: string | null;
  limit?: number;
  offset?: number;
}

/** Every endpoint the Board calls, by resource. */
export const api = {
  auth: {
    login: (username: string, password: string) => request<TokenResponse>('POST', '/api/v1/auth/login', undefined, { auth: false, form: { username, password } }),
    logout: () => request<void>('POST', '/api/v1/auth/logout'),
    refresh: () => request<TokenResponse>('POST', '/api/v1/auth/refresh'),
    changePassword: (body: { current_password: string; new_password: string }) => request<void>('POST', '/api/v1/auth/password', body),
    me: () => request<Me>('GET', '/api/v1/auth/me'),
    register: (body: { username: string; email: string; password: string; role: string }) => request<User>('POST', '/api/v1/auth/register', body),
    tokens: () => request<Page<ServiceToken>>('GET', '/api/v1/auth/service-tokens?limit=200'),
    createToken: (body: ServiceTokenInput) => request<CreatedServiceToken>('POST', '/api/v1/auth/service-tokens', body),
    revokeToken: (id: number) => request<void>('DELETE', `/api/v1/auth/service-tokens/${id}`),
  },
  users: {
    list: () => request<Page<User>>('GET', '/api/v1/users?limit=200'),
    update: (id: number, body: { role?: string; is_active?: boolean }) => request<User>('PUT', `/api/v1/users/${id}`, body),
  },
  projects: {
    list: (query: { q?: string; limit?: number; offset?: number } = {}) => request<Page<Project>>('GET', `/api/v1/projects${queryString({ limit: 200, ...query })}`),
    get: (id: number) => request<Project>('GET', `/api/v1/projects/${id}`),
    create: (body: Partial<Project>) => request<Project>('POST', '/api/v1/projects', body),
    update: (id: number, body: Partial<Project>) => request<Project>('PUT', `/api/v1/projects/${id}`, body),
    remove: (id: number) => request<void>('DELETE', `/api/v1/projects/${id}`),
    environments: (id: number) => request<Page<Environment>>('GET', `/api/v1/projects/${id}/environments?limit=200`),
    createEnvironment: (id: number, body: EnvironmentInput) => request<Environment>('POST', `/api/v1/projects/${id}/environments`, body),
    updateEnvironment: (id: number, body: EnvironmentInput) => request<Environment>('PUT', `/api/v1/environments/${id}`, body),
    removeEnvironment: (id: number) => request<void>('DELETE', `/api/v1/environments/${id}`),
    suites: (id: number) => request<Page<Suite>>('GET', `/api/v1/projects/${id}/suites?limit=200`),
    createSuite: (id: number, body: SuiteInput) => request<Suite>('POST', `/api/v1/projects/${id}/suites`, body),
    updateSuite: (id: number, body: SuiteInput) => request<Suite>('PUT', `/api/v1/suites/${id}`, body),
    removeSuite: (id: number) => request<void>('DELETE', `/api/v1/suites/${id}`),
    /** The project's top failure groups over its latest runs, those affecting the most runs first. */
    failureGroups: (id: number, query: { runs?: number; limit?: number } = {}) =>
      request<ProjectFailureGroups>('GET', `/api/v1/projects/${id}/failure-groups${queryString({ ...query })}`),
  },
  runs: {
    list: (filter: RunFilter) => request<Page<Run>>('GET', `/api/v1/runs${queryString({ ...filter })}`),
    get: (id: number) => request<Run>('GET', `/api/v1/runs/${id}`),
    trigger: (body: RunTrigger) => request<Run>('POST', '/api/v1/runs', body),
    cancel: (id: number) => request<Run>('PUT', `/api/v1/runs/${id}`, { status: 'cancelled' }),
    artifacts: (id: number) => request<ArtifactPage>('GET', `/api/v1/runs/${id}/artifacts?limit=200`),
    tests: (id: number, query: { outcome?: string; limit?: number; offset?: number } = {}) =>
      request<Page<TestResult>>('GET', `/api/v1/runs/${id}/tests${queryString({ limit: 100, ...query })}`),
    /** A new run of the same suite and environment on the run's commit (issue 15 item 3). */
    rerun: (id: number, body: RerunRequest) => request<Run>('POST', `/api/v1/runs/${id}/rerun`, body),
    failureGroups: (id: number) => request<RunFailureGroups>('GET', `/api/v1/runs/${id}/failure-groups`),
  },
  /** Per-test health over a project's recent runs (issue 15 item 1). */
  tests: {
    list: (projectId: number, query: TestHealthQuery = {}) => request<Page<TestHealth>>('GET', `/api/v1/projects/${projectId}/tests${queryString({ ...query })}`),
    get: (projectId: number, testId: number) => request<TestHealthDetail>('GET', `/api/v1/projects/${projectId}/tests/${testId}`),
  },
  /** Suites run on a timetable by Temporal Schedules (issue 17 item 2). */
  schedules: {
    list: (suiteId: number) => request<Page<RunSchedule>>('GET', `/api/v1/suites/${suiteId}/schedules?limit=200`),
    create: (suiteId: number, body: RunScheduleInput) => request<RunSchedule>('POST', `/api/v1/suites/${suiteId}/schedules`, body),
    pause: (id: number) => request<RunSchedule>('POST', `/api/v1/schedules/${id}/pause`),
    resume: (id: number) => request<RunSchedule>('POST', `/api/v1/schedules/${id}/resume`),
    remove: (id: number) => request<void>('DELETE', `/api/v1/schedules/${id}`),
  },
  /** Tests whose failures leave the project's run verdicts alone (issue 15 item 2). */
  quarantine: {
    list: (projectId: number, query: { active?: boolean; limit?: number; offset?: number } = {}) =>
      request<Page<Quarantine>>('GET', `/api/v1/projects/${projectId}/quarantine${queryString({ limit: 200, ...query })}`),
    add: (projectId: number, body: QuarantineInput) => request<Quarantine>('POST', `/api/v1/projects/${projectId}/quarantine`, body),
    lift: (projectId: number, quarantineId: number) => request<Quarantine>('DELETE', `/api/v1/projects/${projectId}/quarantine/${quarantineId}`),
  },
  features: {
    list: (query: { project_id: number; tag?: string; search?: string; include_inactive?: boolean; limit?: number; offset?: number }) =>
      request<Page<Feature>>('GET', `/api/v1/features${queryString({ ...query })}`),
    get: (id: number) => request<FeatureDetail>('GET', `/api/v1/features/${id}`),
    history: (scenarioId: number, limit = 20) => request<{ items: ScenarioRun[] }>('GET', `/api/v1/scenarios/${scenarioId}/history?limit=${limit}`),
    ingest: (projectId: number) => request<unknown>('POST', `/api/v1/features/projects/${projectId}/ingest-features`),
  },
  datasets: {
    /** The datasets a project's environments may use: its own and the organization's shared ones. */
    list: (projectId: number) => request<Page<Dataset>>('GET', `/api/v1/datasets${queryString({ project_id: projectId, limit: 200 })}`),
    /** Every dataset of the organization, shared or a project's, by name (the Datasets page). */
    all: () => request<Page<Dataset>>('GET', '/api/v1/datasets?limit=200'),
    /** A dataset with its versions, newest first, each with its validation report. */
    get: (id: number) => request<ResponseBody<'get_datasets_id'>>('GET', `/api/v1/datasets/${id}`),
    /** Uploads a new immutable version: the file's bytes are the request body (FR-DATA-01). */
    upload: (id: number, version: string, content: Blob, fileName?: string) =>
      request<ResponseBody<'put_datasets_id_versions_version', 201>>(
        'PUT',
        `/api/v1/datasets/${id}/versions/${encodeURIComponent(version)}${queryString({ file_name: fileName })}`,
        undefined,
        { raw: { content, contentType: content.type || 'application/octet-stream' } },
      ),
    /** Validates a version against its stored suite (or the newest earlier one's); the API answers 202 while still pending. */
    validate: (id: number, version: string) => request<ResponseBody<'post_datasets_id_versions_version_validate'>>('POST', `/api/v1/datasets/${id}/versions/${encodeURIComponent(version)}/validate`, {}),
  },
  infrastructure: {
    /** Every registered resource, or only one kind (the environment form lists the Grids). */
    list: (query: { kind?: Resource['kind'] } = {}) => request<Page<Resource>>('GET', `/api/v1/infrastructure${queryString({ limit: 200, ...query })}`),
    get: (id: number) => request<Resource>('GET', `/api/v1/infrastructure/${id}`),
    /** Registers a Grid (or re-registers the one of that name); the API checks it before answering. */
    register: (body: ResourceRegistration) => request<Resource>('POST', '/api/v1/infrastructure', body),
    /** Checks a Grid now rather than at the next poll; answers it with the check's result. */
    check: (id: number) => request<Resource>('POST', `/api/v1/infrastructure/${id}/check`),
    remove: (id: number) => request<void>('DELETE', `/api/v1/infrastructure/${id}`),
    outages: (id: number, query: { limit?: number; offset?: number } = {}) =>
      request<Page<GridOutage>>('GET', `/api/v1/infrastructure/${id}/outages${queryString({ limit: 50, ...query })}`),
  },
  audit: {
    list: (filter: AuditFilter) => request<Page<AuditEntry>>('GET', `/api/v1/audit-logs${queryString({ ...filter })}`),
  },
  dashboard: {
    get: (query: { days?: number; project_id?: number | null } = {}) => request<Dashboard>('GET', `/api/v1/dashboard${queryString({ ...query })}`),
  },
};
