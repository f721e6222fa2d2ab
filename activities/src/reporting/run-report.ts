import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RunArtifact, runPrefix, storeRunArtifact, storeRunDirectory, type ArtifactStore, type Run } from '@qatron/domain';
import { generateAllureReport } from './allure.js';
import { combineCoverage, type CoverageSummary } from './coverage.js';

const exec = promisify(execFile);

/** What the reporting phase produced; each part may fail on its own without touching the verdict. */
export interface RunReport {
  coverage: CoverageSummary | null;
  reportTests: number | null;
  errors: string[];
}

async function download(store: ArtifactStore, key: string, file: string): Promise<void> {
  const object = await store.get(key);
  await pipeline(object.body, createWriteStream(file));
}

/**
 * The history of the latest earlier run of the same project, suite and environment that has one,
 * so that the Allure report's trends carry over without the user handling files (PRD 13.3).
 */
async function previousHistory(em: EntityManager, run: Run): Promise<RunArtifact | null> {
  const rows = await em.getConnection().execute<{ id: number }[]>(
    `select a.id from run_artifacts a join runs r on r.id = a.run_id
      where a.kind = 'allure_history' and r.project_id = ? and r.suite_id = ? and r.environment_id = ? and r.id < ?
      order by r.id desc limit 1`,
    [run.project, run.suite, run.environment, run.id],
  );
  return rows[0] ? em.findOne(RunArtifact, { id: rows[0].id }) : null;
}

/**
 * Combined coverage of every shard (PRD 15.2): Cobertura XML and the HTML report stored as run
 * artifacts, the figures returned. `prepare` gives a checkout of the run's commit and its Python,
 * which the HTML report needs for the sources.
 */
export async function reportCoverage(
  em: EntityManager,
  store: ArtifactStore,
  run: Run,
  workDir: string,
  prepare: () => Promise<{ python: string; checkoutDir: string }>,
  signal: AbortSignal,
): Promise<CoverageSummary | null> {
  const data = await em.find(RunArtifact, { run: run.id, kind: 'coverage_data' }, { orderBy: { shardIndex: 'asc' } });
  if (data.length === 0) return null;
  const dir = join(workDir, 'coverage');
  await mkdir(dir, { recursive: true });
  const files = await Promise.all(
    data.map(async (artifact, i) => {
      const file = join(dir, `shard-${artifact.shardIndex ?? i}.coverage`);
      await download(store, artifact.storageKey, file);
      return file;
    }),
  );
  const { python, checkoutDir } = await prepare();
  const combined = await combineCoverage({ python, checkoutDir, dataFiles: files, outDir: join(dir, 'out'), signal });
  await storeRunArtifact(em, store, run, { kind: 'coverage_xml', relativePath: 'coverage/coverage.xml', filePath: combined.xmlPath, contentType: 'application/xml' });
  await storeRunDirectory(em, store, run, { kind: 'coverage_html', relativeDir: 'coverage/html', localDir: combined.htmlDir, name: 'coverage-html' });
  await em.flush();
  return combined.summary;
}

/**
 * One Allure report for the whole run from every shard's results, with the history of the
 * previous run carried over (PRD 13.3); stored once under `allure-report/`, never regenerated.
 */
export async function reportAllure(em: EntityManager, store: ArtifactStore, run: Run, workDir: string, reportName: string, signal: AbortSignal): Promise<number | null> {
  const results = await em.find(RunArtifact, { run: run.id, kind: 'allure_results' }, { orderBy: { shardIndex: 'asc' } });
  if (results.length === 0) return null;
  const dir = join(workDir, 'allure');
  const resultsDirs: string[] = [];
  for (const [i, artifact] of results.entries()) {
    const target = join(dir, `shard-${artifact.shardIndex ?? i}`);
    await mkdir(target, { recursive: true });
    const archive = `${target}.tar.gz`;
    await download(store, artifact.storageKey, archive);
    await exec('tar', ['-xzf', archive, '-C', target]);
    resultsDirs.push(join(target, 'allure-results'));
  }
  const previous = await previousHistory(em, run);
  let history: string | null = null;
  if (previous) {
    history = join(dir, 'previous-history.jsonl');
    await download(store, previous.storageKey, history);
  }
  const report = await generateAllureReport({ resultsDirs, outDir: join(dir, 'report'), history, reportName, signal });
  await storeRunDirectory(em, store, run, { kind: 'allure_report', relativeDir: 'allure-report', localDir: report.reportDir });
  await storeRunArtifact(em, store, run, { kind: 'allure_history', relativePath: 'allure-history/history.jsonl', filePath: report.historyFile, contentType: 'application/jsonl' });
  await em.flush();
  return report.tests;
}

/** Run-level reporting outputs by part; a retried reporting attempt replaces what an earlier one left. */
const REPORT_PARTS = {
  coverage: { kinds: ['coverage_xml', 'coverage_html'], prefixes: ['coverage/'] },
  allure: { kinds: ['allure_report', 'allure_history'], prefixes: ['allure-report/', 'allure-history/'] },
} as const;

export type ReportPart = keyof typeof REPORT_PARTS;

async function clearEarlierAttempt(em: EntityManager, store: ArtifactStore, run: Run, parts: readonly ReportPart[]): Promise<void> {
  for (const part of parts) {
    for (const prefix of REPORT_PARTS[part].prefixes) await store.deletePrefix(runPrefix(run) + prefix);
    await em.nativeDelete(RunArtifact, { run: run.id, kind: { $in: [...REPORT_PARTS[part].kinds] } });
  }
}

/**
 * Runs the asked parts, each isolated: a failing report never hides coverage, nor changes the
 * verdict. Each part flushes its own rows. Coverage alone runs before the verdict when a suite's
 * threshold needs the figure; the Allure report (with coverage otherwise) runs after it.
 */
export async function reportRun(
  em: EntityManager,
  store: ArtifactStore,
  run: Run,
  workDir: string,
  reportName: string,
  prepare: () => Promise<{ python: string; checkoutDir: string }>,
  signal: AbortSignal,
  parts: readonly ReportPart[] = ['coverage', 'allure'],
): Promise<RunReport> {
  await clearEarlierAttempt(em, store, run, parts);
  const errors: string[] = [];
  const isolated = <T>(label: string, work: () => Promise<T>): Promise<T | null> =>
    work().catch((err: unknown) => {
      if (signal.aborted) throw err;
      errors.push(`${label}: ${(err as Error).message}`);
      return null;
    });
  // The parts are independent (separate work dirs, separate artifacts): run them together.
  const [coverage, reportTests] = await Promise.all([
    parts.includes('coverage') ? isolated('Coverage', () => reportCoverage(em.fork(), store, run, workDir, prepare, signal)) : null,
    parts.includes('allure') ? isolated('Allure report', () => reportAllure(em.fork(), store, run, workDir, reportName, signal)) : null,
  ]).finally(() => rm(workDir, { recursive: true, force: true }).catch(() => undefined));
  return { coverage, reportTests, errors };
}
