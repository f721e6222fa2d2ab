import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore, RunArtifact, storeRunArtifact } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildRun } from '@qatron/domain/testing';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { reportRun } from './run-report.js';

/**
 * Reporting is optional for the verdict (NFR-AVAIL-02): when a part of it fails, reportRun says
 * so and returns, never throws, and leaves no half-stored report behind.
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let dir: string;
let store: LocalArtifactStore;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url);
  dir = await mkdtemp(join(tmpdir(), 'qatron-run-report-'));
  store = new LocalArtifactStore(join(dir, 'store'));
});
afterAll(async () => {
  await orm.close(true);
  await drop();
  await rm(dir, { recursive: true, force: true });
});

describe('reportRun', () => {
  it('records a failing Allure part as an error and stores no report', async () => {
    const em = orm.em.fork();
    const run = await buildRun(em, { status: 'reporting' });
    await storeRunArtifact(em, store, run, {
      kind: 'allure_results',
      relativePath: 'shards/0/attempt-1/allure-results.tar.gz',
      body: 'this is not a gzip archive',
      contentType: 'application/gzip',
      shardIndex: 0,
    });
    await em.flush();
    const prepare = () => Promise.reject(new Error('no checkout is needed without coverage data'));
    const report = await reportRun(em, store, run, join(dir, 'work'), 'shop · smoke · staging', prepare, new AbortController().signal);
    expect(report.coverage).toBeNull();
    expect(report.reportTests).toBeNull();
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/^Allure report: /);
    const kinds = (await orm.em.fork().find(RunArtifact, { run: run.id })).map((a) => a.kind);
    expect(kinds).toEqual(['allure_results']);
  });

  it('records a failing coverage part as an error too, and still runs the other part', async () => {
    const em = orm.em.fork();
    const run = await buildRun(em, { status: 'reporting' });
    await storeRunArtifact(em, store, run, { kind: 'coverage_data', relativePath: 'shards/0/attempt-1/coverage.data', body: 'not coverage data', contentType: 'application/octet-stream', shardIndex: 0 });
    await em.flush();
    const prepare = () => Promise.reject(new Error('the repository could not be checked out'));
    const report = await reportRun(em, store, run, join(dir, 'work2'), 'shop · smoke · staging', prepare, new AbortController().signal);
    expect(report.errors).toEqual(['Coverage: the repository could not be checked out']);
    expect(report.reportTests).toBeNull();
  });

  it('rethrows when the run is being cancelled', async () => {
    const em = orm.em.fork();
    const run = await buildRun(em, { status: 'reporting' });
    await storeRunArtifact(em, store, run, { kind: 'coverage_data', relativePath: 'shards/0/attempt-1/coverage.data', body: 'x', contentType: 'application/octet-stream', shardIndex: 0 });
    await em.flush();
    const controller = new AbortController();
    const prepare = () => {
      controller.abort();
      return Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    await expect(reportRun(em, store, run, join(dir, 'work3'), 'x', prepare, controller.signal)).rejects.toThrow('aborted');
  });
});
