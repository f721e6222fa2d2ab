/**
 * Start-up time of the qatron CLI (issue "CLI", target < 300 ms each): `qatron --help`, and
 * `qatron runs list --output json` answered by a real API (on its own embedded PostgreSQL, with
 * 200 runs), each run N times as a fresh process, printing median and p95.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/cli-startup.ts
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildApiDeps, startApiServer } from '@qatron/api/server';
import { loadConfig, seedDefaults } from '@qatron/domain';
import { connectDatabase, migrate } from '@qatron/domain/db';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { ensureDatabase, startEmbeddedPostgres } from '@qatron/scripts/embedded/postgres';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { freePort } from '@qatron/scripts/testing/ports';
import { percentile } from './stats.js';

const exec = promisify(execFile);
const RUNS = 30;
const TARGET_MS = 300;
const QATRON = join(REPO_ROOT, 'cli', 'bin', 'qatron.js');

async function time(args: string[], env: Record<string, string | undefined>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await exec(process.execPath, [QATRON, ...args], { env });
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

const dir = await mkdtemp(join(tmpdir(), 'qatron-bench-cli-'));
await chmod(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), logFile: join(dir, 'pg.log'), ephemeral: true });
try {
  await ensureDatabase(pg.url('postgres'), 'bench');
  const orm = await connectDatabase(pg.url('bench'));
  await migrate(orm);
  const { organization } = await seedDefaults(orm.em.fork(), { env: 'test', adminPassword: undefined });
  const em = orm.em.fork();
  const project = await buildProject(em, { organization, name: 'shop' });
  const suite = await buildSuite(em, { project });
  const environment = await buildEnvironment(em, { project });
  for (let i = 0; i < 200; i++) await buildRun(em, { project, suite, environment, status: i % 5 ? 'completed' : 'failed' });
  const config = loadConfig({ QATRON_ENV: 'test', QATRON_HOME: dir, ARTIFACT_DIR: join(dir, 'artifacts') });
  const api = await startApiServer(buildApiDeps(config, orm, 'bench-secret-that-is-long-enough-for-hs256', () => undefined), '127.0.0.1', 0);
  try {
    const env = { PATH: process.env.PATH, HOME: dir, QATRON_CONFIG_DIR: join(dir, 'cli') };
    await exec(process.execPath, [QATRON, 'login', '--url', api.url, '--username', 'admin', '--password', 'admin'], { env });
    console.log(`node ${process.version}, ${RUNS} fresh processes each`);
    for (const [label, args] of [
      ['qatron --help', ['--help']],
      ['qatron runs list --output json', ['runs', 'list', '--output', 'json']],
    ] as const) {
      const samples = await time([...args], env);
      const p50 = percentile(samples, 50);
      const p95 = percentile(samples, 95);
      console.log(`${label.padEnd(34)} median ${p50.toFixed(0)} ms  p95 ${p95.toFixed(0)} ms  target < ${TARGET_MS} ms: ${p95 < TARGET_MS ? 'meets' : 'MISSES'}`);
    }
  } finally {
    await api.close();
    await orm.close();
  }
} finally {
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
