import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RunArtifact, runPrefix, storeRunArtifact, type ArtifactKind, type ArtifactStore, type Run } from '@qatron/domain';
import { redact } from './execution/secrets.js';
import type { ShardRunResult } from './execution/shard-runner.js';

const run$ = promisify(execFile);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * What the framework's `browser` fixture leaves under `QATRON_ARTIFACTS_DIR` when a test fails: a
 * screenshot and the page source sharing one stem. The framework names them after the test id with
 * only [A-Za-z0-9._-], which are valid keys; anything else in the folders is not ours and is left.
 */
const BROWSER_EVIDENCE: ReadonlyArray<{ folder: string; fileName: RegExp; kind: ArtifactKind; contentType: string }> = [
  { folder: 'screenshots', fileName: /^[A-Za-z0-9][A-Za-z0-9._-]*\.png$/, kind: 'screenshot', contentType: 'image/png' },
  { folder: 'pages', fileName: /^[A-Za-z0-9][A-Za-z0-9._-]*\.html$/, kind: 'page_source', contentType: 'text/html; charset=utf-8' },
];

/**
 * Uploads a shard's evidence under `{run prefix}/shards/{k}/attempt-{n}/` (FR-RUN-05): JUnit XML,
 * the Allure results as one archive, the coverage data file, the pytest log with secrets
 * redacted, and the browser evidence of failed tests the framework saved under `artifactsDir`
 * (`screenshots/*.png`, `pages/*.html`). Artifacts of earlier attempts of the same shard are
 * removed first, so a shard retried on another worker leaves exactly one set.
 */
export async function storeShardOutputs(
  em: EntityManager,
  store: ArtifactStore,
  run: Run,
  shardIndex: number,
  attempt: number,
  result: ShardRunResult,
  secrets: string[],
  artifactsDir?: string,
): Promise<void> {
  const earlier = await em.find(RunArtifact, { run: run.id, shardIndex });
  if (earlier.length) {
    await store.deletePrefix(`${runPrefix(run)}shards/${shardIndex}/`);
    await em.nativeDelete(RunArtifact, { run: run.id, shardIndex });
  }
  const base = `shards/${shardIndex}/attempt-${attempt}/`;
  const { outputs } = result;
  const stored: Array<Promise<unknown>> = [];
  outputs.junitXml.forEach((file, i) => {
    stored.push(storeRunArtifact(em, store, run, { kind: 'junit', relativePath: `${base}${i === 0 ? 'junit.xml' : `junit-retry-${i}.xml`}`, filePath: file, contentType: 'application/xml', shardIndex }));
  });
  if (await exists(outputs.allureResultsDir)) {
    const archive = join(dirname(outputs.allureResultsDir), 'allure-results.tar.gz');
    await run$('tar', ['-czf', archive, '-C', dirname(outputs.allureResultsDir), basename(outputs.allureResultsDir)]);
    stored.push(storeRunArtifact(em, store, run, { kind: 'allure_results', relativePath: `${base}allure-results.tar.gz`, filePath: archive, contentType: 'application/gzip', shardIndex }));
  }
  if (outputs.coverageFile && (await exists(outputs.coverageFile))) {
    stored.push(storeRunArtifact(em, store, run, { kind: 'coverage_data', relativePath: `${base}coverage.data`, filePath: outputs.coverageFile, contentType: 'application/octet-stream', shardIndex }));
  }
  const log = redact(await readFile(outputs.log, 'utf8').catch(() => ''), secrets);
  stored.push(storeRunArtifact(em, store, run, { kind: 'log', relativePath: `${base}pytest.log`, body: log, contentType: 'text/plain; charset=utf-8', shardIndex }));
  if (artifactsDir) {
    for (const evidence of BROWSER_EVIDENCE) {
      const folder = join(artifactsDir, evidence.folder);
      const names = await readdir(folder).catch(() => [] as string[]);
      for (const name of names.filter((n) => evidence.fileName.test(n))) {
        stored.push(storeRunArtifact(em, store, run, { kind: evidence.kind, relativePath: `${base}${evidence.folder}/${name}`, filePath: join(folder, name), contentType: evidence.contentType, shardIndex }));
      }
    }
  }
  await Promise.all(stored);
  await em.flush();
}
