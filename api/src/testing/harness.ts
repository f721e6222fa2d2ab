import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildUser } from '@qatron/domain/testing';
import { loadConfig, seedDefaults, type ArtifactStore, type Organization, type QatronConfig, type Role, type User } from '@qatron/domain';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { TEST_LOCAL_REPO_ROOTS } from '@qatron/scripts/testing/local-repo-roots';
import { buildApiDeps, startApiServer, type ApiServer } from '../server.js';

/** A response as tests see it: status, headers and the parsed body. */
export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * A real API on a real PostgreSQL database of its own (a clone of the migrated template), with the
 * Default Organization and admin/admin seeded, listening on a free port. Tests talk to it over HTTP.
 */
export interface TestApi {
  url: string;
  orm: MikroORM;
  /** The test database, for workers started beside this API. */
  databaseUrl: string;
  config: QatronConfig;
  server: ApiServer;
  organization: Organization;
  /** The API's artifact store: a LocalArtifactStore in a temporary directory (removed on close) unless `env` names an S3 bucket. */
  store: ArtifactStore;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>;
  /** Logs in through the API and returns the access token. */
  login(username: string, password: string): Promise<string>;
  /** A new user with `role` in the default organization, and a session token for it. */
  userWithToken(role: Role): Promise<{ user: User; token: string }>;
  close(): Promise<void>;
}

export async function startTestApi(env: Record<string, string> = {}, options: { databaseUrl?: string } = {}): Promise<TestApi> {
  // A test that stops its database (an outage) brings a server of its own, migrated, and removes it itself.
  const db = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const artifactDir = await mkdtemp(join(tmpdir(), 'qatron-test-artifacts-'));
  const config = loadConfig({
    QATRON_ENV: 'test',
    QATRON_HOME: '/nonexistent',
    LOGIN_MAX_FAILURES: '5',
    ARTIFACT_DIR: artifactDir,
    QATRON_LOCAL_REPO_ROOTS: TEST_LOCAL_REPO_ROOTS,
    ...env,
  });
  const orm = await connectDatabase(db.url, { pool: { min: 0, max: 5 } });
  const { organization } = await seedDefaults(orm.em.fork(), { env: 'test', adminPassword: undefined });
  const errors: unknown[] = [];
  const deps = buildApiDeps(config, orm, 'test-secret-that-is-long-enough-for-hs256-signing', (message, err) => errors.push({ message, err }));
  const server = await startApiServer(deps, '127.0.0.1', 0);

  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const res = await fetch(server.url + path, { method, headers, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: (type.includes('json') && text ? JSON.parse(text) : text) as T };
  }

  async function login(username: string, password: string): Promise<string> {
    const res = await request<{ access_token: string }>('POST', '/api/v1/auth/login', { form: { username, password } });
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.access_token;
  }

  return {
    url: server.url,
    orm,
    databaseUrl: db.url,
    config,
    server,
    organization,
    store: deps.store,
    request,
    login,
    async userWithToken(role) {
      const user = await buildUser(orm.em.fork(), { organization, role, password: 'password123' });
      return { user, token: await login(user.username, 'password123') };
    },
    async close() {
      await server.close();
      await orm.close(true);
      await db.drop();
      await rm(artifactDir, { recursive: true, force: true });
      if (errors.length) throw new Error(`the API logged unexpected errors: ${JSON.stringify(errors, (_k, v) => (v instanceof Error ? v.stack : v))}`);
    },
  };
}
