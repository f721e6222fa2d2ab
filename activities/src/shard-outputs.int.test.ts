import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore, RunArtifact, runPrefix, type Run } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildRun } from '@qatron/domain/testing';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import type { ShardRunResult } from './execution/shard-runner.js';
import { storeShardOutputs } from './shard-outputs.js';

/**
 * A shard's browser evidence (issue 16 item 5): what the framework's `browser` fixture saved under
 * QATRON_ARTIFACTS_DIR becomes run artifacts, screenshots and page sources alike, on a real
 * database and artifact store.
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let dir: string;
let store: LocalArtifactStore;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 2 } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-shard-outputs-'));
  store = new LocalArtifactStore(join(dir, 'store'));
});
afterAll(async () => {
  await orm.close(true);
  await drop();
  await rm(dir, { recursive: true, force: true });
});

/** A shard's outputs on disk: one JUnit file and a log, and `evidence` (path → content) under its artifacts directory. */
async function shardOnDisk(name: string, evidence: Record<string, string>): Promise<{ result: ShardRunResult; artifactsDir: string }> {
  const root = join(dir, name);
  const artifactsDir = join(root, 'artifacts');
  await mkdir(artifactsDir, { recursive: true });
  for (const [path, content] of Object.entries(evidence)) {
    await mkdir(join(artifactsDir, path, '..'), { recursive: true });
    await writeFile(join(artifactsDir, path), content);
  }
  await writeFile(join(root, 'junit-1.xml'), '<testsuites/>');
  await writeFile(join(root, 'pytest.log'), '1 failed\n');
  const result: ShardRunResult = {
    outcome: 'failed',
    expectedTests: 1,
    sessionError: null,
    counts: { passed: 0, failed: 1, skipped: 0, error: 0, xfailed: 0, xpassed: 0 },
    results: [],
    durationSeconds: 1,
    exitCode: 1,
    outputs: { junitXml: [join(root, 'junit-1.xml')], allureResultsDir: join(root, 'no-allure-results'), coverageFile: null, log: join(root, 'pytest.log') },
  };
  return { result, artifactsDir };
}

async function artifactsOf(run: Run): Promise<Array<[string, string, string, string]>> {
  const rows = await orm.em.fork().find(RunArtifact, { run: run.id });
  const listed = rows.map((a): [string, string, string, string] => [a.kind, a.storageKey.slice(runPrefix(run).length), a.name, a.contentType]);
  // By key in code-point order, whatever the database's collation.
  return listed.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

describe('storeShardOutputs', () => {
  it("stores the framework's screenshots and page sources as screenshot and page_source artifacts", async () => {
    const run = await buildRun(orm.em.fork());
    const stem = 'tests_test_pages.py_test_home_page_title';
    const { result, artifactsDir } = await shardOnDisk('evidence', {
      [`screenshots/${stem}.png`]: '\x89PNG shot',
      [`pages/${stem}.html`]: '<html><head><title>Café</title></head><body>Welcome, Ada</body></html>',
      [`pages/${stem}-2.html`]: '<html>retry</html>',
      // Not the framework's: other extensions and names that are no valid key are left alone.
      'pages/notes.txt': 'x',
      'pages/.hidden.html': 'x',
      'other/page.html': 'x',
    });
    await storeShardOutputs(orm.em.fork(), store, run, 1, 1, result, [], artifactsDir);

    expect(await artifactsOf(run)).toEqual([
      ['junit', 'shards/1/attempt-1/junit.xml', 'junit.xml', 'application/xml'],
      ['page_source', `shards/1/attempt-1/pages/${stem}-2.html`, `${stem}-2.html`, 'text/html; charset=utf-8'],
      ['page_source', `shards/1/attempt-1/pages/${stem}.html`, `${stem}.html`, 'text/html; charset=utf-8'],
      ['log', 'shards/1/attempt-1/pytest.log', 'pytest.log', 'text/plain; charset=utf-8'],
      ['screenshot', `shards/1/attempt-1/screenshots/${stem}.png`, `${stem}.png`, 'image/png'],
    ]);
    const page = await store.get(`${runPrefix(run)}shards/1/attempt-1/pages/${stem}.html`);
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(await text(page.body)).toBe('<html><head><title>Café</title></head><body>Welcome, Ada</body></html>');
  });

  it("replaces an earlier attempt's pages, and stores none when the shard left no evidence", async () => {
    const run = await buildRun(orm.em.fork());
    const first = await shardOnDisk('attempt-1', { 'pages/tests_test_ui.py_test_a.html': '<html>1</html>' });
    await storeShardOutputs(orm.em.fork(), store, run, 0, 1, first.result, [], first.artifactsDir);
    const second = await shardOnDisk('attempt-2', {});
    await storeShardOutputs(orm.em.fork(), store, run, 0, 2, second.result, [], second.artifactsDir);

    expect((await artifactsOf(run)).map(([kind, key]) => [kind, key])).toEqual([
      ['junit', 'shards/0/attempt-2/junit.xml'],
      ['log', 'shards/0/attempt-2/pytest.log'],
    ]);
    expect(await store.exists(`${runPrefix(run)}shards/0/attempt-1/pages/tests_test_ui.py_test_a.html`)).toBe(false);
  });
});
