/**
 * BDD feature ingestion speed (issue 6): the time to index a repository of 2,000 feature files
 * holding 20,000 scenarios (target < 10 s), and to re-index it after one file changed (target
 * < 1 s), against a real (embedded) PostgreSQL, through `ingestFeatureFiles` as a run calls it.
 *
 *   bash scripts/bootstrap.sh --run node --import tsx bench/src/bdd-ingest.ts
 *
 * The generated files mix what real suites hold: a Background, tags, plain scenarios with
 * DataTables and DocStrings, and one Scenario Outline per file with two Examples tables. The
 * second pass re-ingests the same snapshot (every file skipped by its hash), the third changes one
 * file (a scenario moved down, one renamed, one added), the fourth moves every scenario of every
 * file two lines down. Figures are printed, never asserted.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ingestFeatureFiles, parseFeatureFile, Project, seedDefaults, type FeatureFile, type IngestSummary } from '@qatron/domain';
import { connectDatabase, migrate, type MikroORM } from '@qatron/domain/db';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '@qatron/scripts/embedded/postgres';
import { freePort } from '@qatron/scripts/testing/ports';

const FILES = 2000;
const SCENARIOS_PER_FILE = 10;
const TARGET_FULL_SECONDS = 10;
const TARGET_ONE_FILE_SECONDS = 1;

function featureFile(index: number, variant = 0): FeatureFile {
  const lines = [`@area-${index % 20} @generated`, `Feature: Area ${index}`, `  Generated feature number ${index}.`, '', '  Background:', `    Given the service ${index} is up`, ''];
  if (variant > 0) lines.push('  # a note that moves every scenario down', '');
  for (let s = 0; s < SCENARIOS_PER_FILE - 1; s++) {
    const name = variant > 0 && s === 2 ? `Renamed scenario ${index}.${s}` : `Scenario ${index}.${s} does its thing`;
    lines.push(s % 3 === 0 ? '  @smoke' : '  @regression', `  Scenario: ${name}`, `    Given an account "user-${s}"`, `    When I do step ${s} of ${index}`);
    if (s % 4 === 0) lines.push('    And I send:', '      """json', `      {"feature": ${index}, "scenario": ${s}}`, '      """');
    if (s % 4 === 1) lines.push('    And these items:', '      | sku | qty |', `      | A-${s} | ${s} |`, '      | B-1 | 2 |');
    lines.push(`    Then the outcome ${s} is recorded`, '');
  }
  lines.push(
    '  Scenario Outline: Outline of ' + index,
    '    Given <count> items of "<sku>"',
    '    Then the total is <total>',
    '',
    '    @eu',
    '    Examples: Europe',
    '      | count | sku | total |',
    '      | 1     | A   | 10    |',
    '      | 2     | B   | 20    |',
    '',
    '    @us',
    '    Examples: US',
    '      | count | sku | total |',
    '      | 3     | C   | 30    |',
    '',
  );
  if (variant > 0) lines.push('  Scenario: Added later', '    Given a new step', '    Then it runs', '');
  return { path: `features/area-${index % 40}/feature-${String(index).padStart(4, '0')}.feature`, content: lines.join('\n') };
}

async function timed(work: () => Promise<IngestSummary>): Promise<{ summary: IngestSummary; seconds: number }> {
  const started = performance.now();
  const summary = await work();
  return { summary, seconds: (performance.now() - started) / 1000 };
}

const brief = (s: IngestSummary) =>
  `files ${s.files}, parsed ${s.parsed}, unchanged ${s.unchanged}, errors ${s.errors.length}, added ${s.added}, updated ${s.updated}, ` +
  `unchanged scenarios ${s.unchangedScenarios}, deactivated ${s.deactivated}, pickles ${s.pickles}`;

async function main(): Promise<void> {
  const tempDir = await mkdtemp(join(tmpdir(), 'qatron-bench-bdd-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory in here.
  await chmod(tempDir, 0o755);
  let postgres: EmbeddedPostgres | undefined;
  let orm: MikroORM | undefined;
  try {
    const port = await freePort();
    postgres = await startEmbeddedPostgres({ dataDir: join(tempDir, 'pg'), port, logFile: join(tempDir, 'postgres.log') });
    await ensureDatabase(postgres.url('postgres'), 'bench');
    orm = await connectDatabase(postgres.url('bench'));
    await migrate(orm);
    const { organization } = await seedDefaults(orm.em.fork(), { env: 'development', adminPassword: undefined });
    const em = orm.em.fork();
    const project = new Project(organization.id, 'bdd-bench', 'https://example.test/bdd.git');
    await em.persist(project).flush();

    const files = Array.from({ length: FILES }, (_, i) => featureFile(i));
    const snapshot = (commit: string, list: FeatureFile[]) => ({ organizationId: organization.id, projectId: project.id, commit, files: list, complete: true });
    const megabytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0) / 1e6;
    console.log(`QAtron BDD ingestion bench: ${FILES} feature files (${megabytes.toFixed(1)} MB), ${FILES * SCENARIOS_PER_FILE} scenarios, PostgreSQL on 127.0.0.1:${port}`);

    // The parser's share of a full ingest, measured alone (pure CPU, no database).
    const parseStarted = performance.now();
    for (const file of files) parseFeatureFile(file.path, file.content);
    console.log(`parse only (no DB):     ${((performance.now() - parseStarted) / 1000).toFixed(2)} s`);
    const full = await timed(() => ingestFeatureFiles(orm!, snapshot('c1', files)));
    console.log(`full ingest:            ${full.seconds.toFixed(2)} s (target < ${TARGET_FULL_SECONDS} s)  ${brief(full.summary)}`);
    const same = await timed(() => ingestFeatureFiles(orm!, snapshot('c2', files)));
    console.log(`re-index, no change:    ${same.seconds.toFixed(2)} s  ${brief(same.summary)}`);
    const changed = files.map((f, i) => (i === 1234 ? featureFile(i, 1) : f));
    const one = await timed(() => ingestFeatureFiles(orm!, snapshot('c3', changed)));
    console.log(`re-index, one changed:  ${one.seconds.toFixed(2)} s (target < ${TARGET_ONE_FILE_SECONDS} s)  ${brief(one.summary)}`);
    // A commit that touches every file (a header comment added on top moves every scenario down):
    // the worst case of a re-index, every scenario found again by name and relabelled.
    const everyFile = changed.map((f) => ({ path: f.path, content: `# reviewed\n\n${f.content}` }));
    const all = await timed(() => ingestFeatureFiles(orm!, snapshot('c4', everyFile)));
    console.log(`re-index, all changed:  ${all.seconds.toFixed(2)} s  ${brief(all.summary)}`);
    const counts = await orm.em.getConnection().execute<Array<{ scenarios: string; steps: string }>>(
      'select (select count(*) from scenarios) as scenarios, (select count(*) from steps) as steps',
    );
    console.log(`stored: ${counts[0]!.scenarios} scenarios, ${counts[0]!.steps} steps`);
    console.log(
      `verdict: full ${full.seconds < TARGET_FULL_SECONDS ? 'within' : 'OVER'} target, one-file re-index ${one.seconds < TARGET_ONE_FILE_SECONDS ? 'within' : 'OVER'} target`,
    );
  } finally {
    await orm?.close(true);
    await postgres?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}

await main();
