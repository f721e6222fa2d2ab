/**
 * For component tests only: the API stubbed at the fetch level (the e2e test uses the real
 * stack). Routes are `METHOD /path` (query ignored) → a JSON answer or a status with a problem.
 */
import { vi } from 'vitest';

export interface FakeAnswer {
  status?: number;
  body?: unknown;
}

export interface FakeApi {
  calls: { method: string; url: string; body: unknown; authorization: string | null }[];
  answer(route: string, answer: FakeAnswer | ((url: URL) => FakeAnswer)): void;
}

export function fakeApi(): FakeApi {
  const routes = new Map<string, FakeAnswer | ((url: URL) => FakeAnswer)>();
  const calls: FakeApi['calls'] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const url = new URL(input, 'http://board.test');
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = (init.headers ?? {}) as Record<string, string>;
      calls.push({ method, url: input, body: typeof init.body === 'string' && init.body.startsWith('{') ? JSON.parse(init.body) : init.body, authorization: headers.Authorization ?? null });
      const route = routes.get(`${method} ${url.pathname}`);
      const answer = typeof route === 'function' ? route(url) : route;
      if (!answer) return problem(404, `No fake for ${method} ${url.pathname}`);
      const status = answer.status ?? 200;
      if (status >= 400) return problem(status, (answer.body as string) ?? 'failed');
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status, headers: { 'content-type': 'application/json' } });
    }),
  );
  return { calls, answer: (route, answer) => routes.set(route, answer) };
}

function problem(status: number, detail: string): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Problem', status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });
}

/** A run as the API answers it, with overrides. */
export function runFixture(overrides: Record<string, unknown> = {}) {
  return {
    id: 7,
    organization_id: 1,
    project_id: 1,
    project_name: 'shop',
    suite_id: 2,
    suite_name: 'smoke',
    environment_id: 3,
    environment_name: 'staging',
    status: 'running',
    status_reason: null,
    branch: 'main',
    commit: 'abcdef1234567890',
    triggered_by: 1,
    triggered_by_name: 'admin',
    dataset_version_id: null,
    created_at: '2026-12-01T10:00:00.000Z',
    started_at: '2026-12-01T10:00:01.000Z',
    completed_at: null,
    total_tests: 4,
    passed_tests: 1,
    failed_tests: 0,
    error_tests: 0,
    skipped_tests: 0,
    xfailed_tests: 0,
    xpassed_tests: 0,
    flaky_tests: 0,
    duration_seconds: null,
    coverage_percent: null,
    report_status: 'pending',
    artifacts_deleted: false,
    run_metadata: {},
    progress: { status: 'running', shards: [{ index: 0, status: 'running', total: 4, done: 1, passed: 1, failed: 0, skipped: 0, elapsed_seconds: 2, attempt: 1, worker: 'w1', reason: null }] },
    report_url: null,
    quarantined_failures: 0,
    rerun_of: null,
    rerun_scope: null,
    reruns: [],
    ...overrides,
  };
}

export const me = (role: 'viewer' | 'user' | 'admin') => ({ kind: 'user', organization_id: 1, role, name: role === 'admin' ? 'admin' : `a-${role}`, user: null, service_token_id: null, project_id: null });
