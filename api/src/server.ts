import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createArtifactStore, type QatronConfig } from '@qatron/domain';
import { createApp } from './app.js';
import { loginThrottleFor } from './auth/login-throttle.js';
import { SessionSigner } from './auth/sessions.js';
import { createMetrics } from './health/metrics.js';
import { createReadinessProbe } from './health/readiness.js';
import type { ApiDeps } from './http/deps.js';
import { answerUnparsableRequests } from './http/input-hygiene.js';
import { ReportTokenSigner } from './reports/tokens.js';
import { failedStartRecorder } from './audit/failed-start.js';
import { datasetValidationWithoutEngine, temporalDatasetValidation } from './datasets/validation-starter.js';
import { featureIngestionWithoutEngine, temporalFeatureIngestion } from './features/ingestion-starter.js';
import { purgesWithoutEngine, temporalPurges } from './purges/starter.js';
import { createTemporalRunEngine, detachedRunEngine } from './runs/engine.js';
import { runSchedulerFor } from './schedules/temporal-schedule.js';
import { connectTemporal } from './temporal.js';

/**
 * The JWT signing secret: JWT_SECRET, or one generated on first start and kept (0600) under
 * QATRON_HOME so that sessions survive a restart. Several API replicas must share JWT_SECRET.
 */
export async function resolveJwtSecret(config: QatronConfig): Promise<string> {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  const file = join(config.home, 'jwt-secret');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing && existing.trim().length >= 32) return existing.trim();
  await mkdir(config.home, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/**
 * The run engine and the background starters, all on one Temporal connection; an API given no
 * TEMPORAL_ADDRESS (the API-only tests) gets their engine-less forms, which answer 503 where a
 * request needs the engine and leave runs queued.
 */
function engineDeps(config: QatronConfig, orm: MikroORM, log: ApiDeps['log']): Pick<ApiDeps, 'engine' | 'featureIngestion' | 'datasetValidation' | 'purges' | 'closeEngine'> {
  const address = config.temporal.address;
  if (!address) {
    return { engine: detachedRunEngine, featureIngestion: featureIngestionWithoutEngine, datasetValidation: datasetValidationWithoutEngine, purges: purgesWithoutEngine, closeEngine: async () => undefined };
  }
  const temporal = connectTemporal(address, config);
  const recordFailedStart = failedStartRecorder(orm, log);
  return {
    engine: createTemporalRunEngine(temporal, config),
    featureIngestion: temporalFeatureIngestion(temporal, recordFailedStart),
    datasetValidation: temporalDatasetValidation(temporal, recordFailedStart),
    purges: temporalPurges(temporal),
    closeEngine: () => temporal.close(),
  };
}

export function buildApiDeps(config: QatronConfig, orm: MikroORM, jwtSecret: string, log: ApiDeps['log'], environment: ApiDeps['environment'] = {}): ApiDeps {
  return {
    orm,
    config,
    signer: new SessionSigner(jwtSecret, config.auth.jwtExpiresMinutes),
    reportTokens: new ReportTokenSigner(jwtSecret),
    throttle: loginThrottleFor(config.auth),
    metrics: createMetrics(orm),
    readiness: createReadinessProbe(orm, config.temporal.address, config.temporal.namespace),
    store: createArtifactStore(config.artifacts),
    ...engineDeps(config, orm, log),
    scheduler: runSchedulerFor(config),
    log,
    environment,
  };
}

export interface ApiServer {
  readonly port: number;
  readonly url: string;
  readonly deps: ApiDeps;
  close(): Promise<void>;
}

/** Listens on `host:port` (0 picks a free port) and returns a handle that closes cleanly. */
export async function startApiServer(deps: ApiDeps, host: string, port: number): Promise<ApiServer> {
  const app = createApp(deps);
  const server: Server = createServer(app.callback());
  server.keepAliveTimeout = 5_000;
  answerUnparsableRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    port: actualPort,
    url: `http://${host}:${actualPort}`,
    deps,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await deps.readiness.close();
      await deps.closeEngine();
      await deps.scheduler.close();
    },
  };
}
