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
import { createTemporalRunEngine } from './runs/engine.js';

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

export function buildApiDeps(config: QatronConfig, orm: MikroORM, jwtSecret: string, log: ApiDeps['log']): ApiDeps {
  return {
    orm,
    config,
    signer: new SessionSigner(jwtSecret, config.auth.jwtExpiresMinutes),
    reportTokens: new ReportTokenSigner(jwtSecret),
    throttle: loginThrottleFor(config.auth),
    metrics: createMetrics(orm),
    readiness: createReadinessProbe(orm, config.temporal.address, config.temporal.namespace),
    store: createArtifactStore(config.artifacts),
    engine: config.temporal.address ? createTemporalRunEngine(config) : undefined,
    log,
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
      await deps.engine?.close();
    },
  };
}
