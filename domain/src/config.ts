import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * QAtron's configuration, parsed once at process start (STYLE 4). Entry points call
 * `loadConfig(process.env)`; nothing else reads the environment. Each external part is switched
 * in by configuration alone: DATABASE_URL, TEMPORAL_ADDRESS, S3_*.
 */
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const EnvSchema = z.object({
  QATRON_ENV: z.enum(['development', 'production', 'test']).default('development'),
  QATRON_HOME: optionalString,
  DATABASE_URL: optionalString.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  EMBEDDED_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8000),
  TRUST_PROXY: flag.default(false),
  BOARD_PORT: port.default(3000),
  PUBLIC_URL: optionalString,
  SMTP_HOST: optionalString,
  SMTP_PORT: port.default(587),
  SMTP_FROM: optionalString,
  SMTP_USER: optionalString,
  SMTP_PASSWORD_SECRET: optionalString,
  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  JWT_EXPIRES_MINUTES: positiveInt.default(30),
  DEFAULT_ADMIN_PASSWORD: optionalString,
  CORS_ORIGINS: z.string().default('http://localhost:3000,http://127.0.0.1:3000'),
  METRICS_TOKEN: optionalString,
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_LOCK_MINUTES: positiveInt.default(15),
  HEARTBEAT_INTERVAL_SECONDS: positiveInt.default(30),
  ARTIFACT_DIR: optionalString,
  S3_BUCKET: optionalString,
  S3_ENDPOINT: optionalString,
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: flag.default(true),
  WORKER_NAME: optionalString,
  WORKER_SHARD_SLOTS: positiveInt.default(2),
  WORKER_DIR: optionalString,
  WORKER_TASK_QUEUES: z
    .string()
    .default('qatron-control,qatron-shards')
    .transform((v) => v.split(',').map((q) => q.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['qatron-control', 'qatron-shards'])).min(1, 'must name qatron-control and/or qatron-shards')),
  WORKER_PYTHONS: z
    .string()
    .default('')
    .transform((v) => v.split(':').map((p) => p.trim()).filter(Boolean)),
  SECRETS_DIR: optionalString,
  WORKER_SANDBOX: z.enum(['bwrap', 'off']).default('bwrap'),
  QATRON_LOCAL_REPO_ROOTS: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v.split(':').map((p) => p.trim()).filter(Boolean)))
    .pipe(z.array(z.string().startsWith('/', 'must list absolute directories, separated by colons')).optional()),
  SELENIUM_REMOTE_URL: optionalString,
  QATRON_GRID_URL: z.url('must be a URL such as http://selenium-hub:4444').optional(),
  QATRON_GRID_NAME: z.string().trim().min(1).max(200).default('local'),
  GRID_CHECK_INTERVAL_SECONDS: positiveInt.default(10),
  SHARD_SCHEDULE_TO_START_SECONDS: positiveInt.default(300),
  SHARD_HEARTBEAT_TIMEOUT_SECONDS: positiveInt.default(30),
  SHARD_ATTEMPTS: positiveInt.default(3),
  TEST_HEALTH_WINDOW: positiveInt.default(30),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_FORMAT: z.enum(['text', 'json']).optional(),
  WORKER_METRICS_PORT: port.optional(),
});

export type ArtifactStoreConfig =
  | { kind: 'local'; directory: string }
  | {
      kind: 's3';
      bucket: string;
      endpoint: string | undefined;
      region: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
    };

/**
 * SMTP_HOST, SMTP_PORT (465: TLS from the start, else STARTTLS when offered), SMTP_FROM, and the
 * login: SMTP_USER with the NAME of the secret holding its password (SMTP_PASSWORD_SECRET),
 * resolved on the worker like every other secret.
 */
export interface SmtpConfig {
  host: string;
  port: number;
  from: string;
  user: string | undefined;
  passwordSecret: string | undefined;
}

export interface QatronConfig {
  env: 'development' | 'production' | 'test';
  home: string;
  database: { url: string | undefined; embeddedPort: number };
  temporal: { address: string | undefined; namespace: string; port: number; uiPort: number };
  api: { host: string; port: number; corsOrigins: string[]; metricsToken: string | undefined; trustProxy: boolean };
  board: { port: number; publicUrl: string };
  /** The SMTP server workers send notification emails through (issue 17 item 3); null: email channels cannot deliver. */
  smtp: SmtpConfig | null;
  auth: {
    jwtSecret: string | undefined;
    jwtExpiresMinutes: number;
    defaultAdminPassword: string | undefined;
    loginMaxFailures: number;
    loginLockMinutes: number;
  };
  heartbeatIntervalSeconds: number;
  /**
   * Directories under which `file://` and path repositories may live (QATRON_LOCAL_REPO_ROOTS);
   * null when unset (none allowed; `npm start` sets a default), see local-repositories.ts.
   */
  localRepoRoots: string[] | null;
  artifacts: ArtifactStoreConfig;
  worker: {
    name: string | undefined;
    shardSlots: number;
    /** Git mirrors, cached venvs and per-shard work trees. */
    directory: string;
    /** Which task queues this worker polls: dedicated control or execution workers are possible. */
    taskQueues: Array<'qatron-control' | 'qatron-shards'>;
    /** A directory of secret files (a mounted K8s Secret); the worker's environment is searched first. */
    secretsDir: string | undefined;
    seleniumRemoteUrl: string | undefined;
    /**
     * A Selenium Grid this worker registers in the default organization at start (QATRON_GRID_URL,
     * under QATRON_GRID_NAME): `npm start`'s embedded Grid, compose's and the chart's hub.
     */
    grid: { url: string; name: string } | null;
    /** How often control workers check every registered Grid's `/status` (issue 16 item 3). */
    gridCheckIntervalSeconds: number;
    /** Interpreters run environments may be built with, the default first; empty: python3 and python3.X found on PATH. */
    pythons: string[];
    /**
     * How test code is confined (DESIGN "Test code is untrusted"): `bwrap` (bubblewrap, the
     * default; the worker refuses to start where it does not work) or `off` (the operator's choice).
     */
    sandbox: 'bwrap' | 'off';
    /**
     * Where the worker serves Prometheus metrics (`/metrics`, METRICS_TOKEN as bearer token):
     * WORKER_METRICS_PORT, 9464 in compose and Helm; unset: no listener.
     */
    metricsPort: number | undefined;
  };
  /** How run workflows treat their shards; fixed per run when the run starts. */
  shards: { scheduleToStartSeconds: number; heartbeatTimeoutSeconds: number; attempts: number };
  /** How many of the most recent runs of a suite and environment each test's health looks at (issue 15 item 1). */
  testHealthWindow: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** One JSON object per log line (LOG_FORMAT=json; always in production, for Loki and other collectors), else text. */
  logFormat: 'text' | 'json';
}

/**
 * The embedded PostgreSQL's role and database (loopback only). Its password is no constant: it
 * is generated at first start and kept in `embeddedDatabasePasswordFile(home)` (issue 13 item 4).
 */
export const EMBEDDED_DATABASE = { user: 'qatron', database: 'qatron' } as const;

/** Where the embedded PostgreSQL's password lives: 0600 in a 0700 directory of QATRON_HOME. */
export function embeddedDatabasePasswordFile(home: string): string {
  return join(home, 'secrets', 'postgres-password');
}

/**
 * DATABASE_URL, or the embedded stack's database on this machine (`npm start`), with the password
 * read from QATRON_HOME; ConfigError when the embedded stack has never been started there.
 */
export function databaseUrlOf(config: QatronConfig): string {
  if (config.database.url) return config.database.url;
  const file = embeddedDatabasePasswordFile(config.home);
  let password = '';
  try {
    password = readFileSync(file, 'utf8').trim();
  } catch {
    /* said below */
  }
  if (!password) {
    throw new ConfigError(`DATABASE_URL is not set and no embedded database password can be read from ${file}: start the embedded stack once (npm start) with this QATRON_HOME, or set DATABASE_URL`);
  }
  const { user, database } = EMBEDDED_DATABASE;
  return `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${config.database.embeddedPort}/${database}`;
}

/** TEMPORAL_ADDRESS, or the embedded stack's Temporal dev server on this machine. */
export function temporalAddressOf(config: QatronConfig): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.port}`;
}

/** Thrown with every invalid setting named, so that start-up fails with one readable message. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The SMTP settings when SMTP_HOST is set; a host without a sender is refused at start. */
function smtpOf(e: z.output<typeof EnvSchema>): SmtpConfig | null {
  if (!e.SMTP_HOST) return null;
  if (!e.SMTP_FROM) throw new ConfigError('Invalid configuration: SMTP_FROM: is required when SMTP_HOST is set (the sender of notification emails)');
  return { host: e.SMTP_HOST, port: e.SMTP_PORT, from: e.SMTP_FROM, user: e.SMTP_USER, passwordSecret: e.SMTP_PASSWORD_SECRET };
}

/** Parses and validates the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): QatronConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const home = e.QATRON_HOME ?? join(homedir(), '.qatron');
  const artifacts: ArtifactStoreConfig = e.S3_BUCKET
    ? {
        kind: 's3',
        bucket: e.S3_BUCKET,
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION,
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
      }
    : { kind: 'local', directory: e.ARTIFACT_DIR ?? join(home, 'artifacts') };
  return {
    env: e.QATRON_ENV,
    home,
    database: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      metricsToken: e.METRICS_TOKEN,
      trustProxy: e.TRUST_PROXY,
    },
    board: { port: e.BOARD_PORT, publicUrl: e.PUBLIC_URL ?? `http://127.0.0.1:${e.BOARD_PORT}` },
    smtp: smtpOf(e),
    auth: {
      jwtSecret: e.JWT_SECRET,
      jwtExpiresMinutes: e.JWT_EXPIRES_MINUTES,
      defaultAdminPassword: e.DEFAULT_ADMIN_PASSWORD,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginLockMinutes: e.LOGIN_LOCK_MINUTES,
    },
    heartbeatIntervalSeconds: e.HEARTBEAT_INTERVAL_SECONDS,
    localRepoRoots: e.QATRON_LOCAL_REPO_ROOTS ?? null,
    artifacts,
    worker: {
      name: e.WORKER_NAME,
      shardSlots: e.WORKER_SHARD_SLOTS,
      directory: e.WORKER_DIR ?? join(home, 'worker'),
      taskQueues: e.WORKER_TASK_QUEUES,
      secretsDir: e.SECRETS_DIR,
      seleniumRemoteUrl: e.SELENIUM_REMOTE_URL,
      grid: e.QATRON_GRID_URL ? { url: e.QATRON_GRID_URL, name: e.QATRON_GRID_NAME } : null,
      gridCheckIntervalSeconds: e.GRID_CHECK_INTERVAL_SECONDS,
      pythons: e.WORKER_PYTHONS,
      sandbox: e.WORKER_SANDBOX,
      metricsPort: e.WORKER_METRICS_PORT,
    },
    shards: {
      scheduleToStartSeconds: e.SHARD_SCHEDULE_TO_START_SECONDS,
      heartbeatTimeoutSeconds: e.SHARD_HEARTBEAT_TIMEOUT_SECONDS,
      attempts: e.SHARD_ATTEMPTS,
    },
    testHealthWindow: e.TEST_HEALTH_WINDOW,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (e.QATRON_ENV === 'production' ? 'json' : 'text'),
  };
}
