/**
 * Vitest global setup for the integration and e2e tiers: one embedded PostgreSQL (with a migrated
 * template database that each test file clones) and one Temporal dev server for the whole run.
 * Temporal's SDK gives up on a server after a few seconds, so it is started here once, not per file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectDatabase, migrate } from '@qatron/domain/db';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '../embedded/postgres.js';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../embedded/temporal.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    temporalAddress: string;
    runtimeDir: string;
  }
}

export const TEMPLATE_DATABASE = 'qatron_template';

let postgres: EmbeddedPostgres | undefined;
let temporal: EmbeddedTemporal | undefined;
let runtimeDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  runtimeDir = await mkdtemp(join(tmpdir(), 'qatron-test-'));
  // The cluster's password is generated into runtimeDir/secrets (0600), as on a real first start:
  // tests use the URL provided here, so no test depends on a guessable credential.
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  [postgres, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir: join(runtimeDir, 'pg'), port: pgPort, logFile: join(runtimeDir, 'postgres.log'), ephemeral: true }),
    startEmbeddedTemporal({ dbFile: join(runtimeDir, 'temporal.db'), port: temporalPort, logFile: join(runtimeDir, 'temporal.log') }),
  ]);
  await ensureDatabase(postgres.url('postgres'), TEMPLATE_DATABASE);
  const orm = await connectDatabase(postgres.url(TEMPLATE_DATABASE));
  await migrate(orm);
  await orm.close(true);
  project.provide('postgresAdminUrl', postgres.url('postgres'));
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('temporalAddress', temporal.address);
  project.provide('runtimeDir', runtimeDir);
}

export async function teardown(): Promise<void> {
  await Promise.allSettled([postgres?.stop(), temporal?.stop()]);
  if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
}
