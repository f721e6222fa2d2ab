import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, DatasetVersion, LocalArtifactStore } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { buildOrganization } from '@qatron/domain/testing';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { createDatasetValidationActivities, ensureValidationEnvironment, GREAT_EXPECTATIONS_VERSION, type DatasetValidationResult, type ValidationReport } from '../dataset-validation.js';

/**
 * Dataset validation on a real database, a local artifact store and the real Great Expectations in
 * its venv. The venv lives where the e2e workers keep theirs (`E2E_WORKER_CACHE` in
 * worker/src/testing/stack.ts), so a machine builds it once (about 30 s) for every test file.
 */
const WORKER_CACHE = join(REPO_ROOT, '.tools', 'cache', 'e2e-worker');

let orm: MikroORM;
let drop: () => Promise<void>;
let dir: string;
let store: LocalArtifactStore;
let organization: number;
let activities: ReturnType<typeof createDatasetValidationActivities>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 3 } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-dataset-validation-'));
  store = new LocalArtifactStore(join(dir, 'store'));
  organization = (await buildOrganization(orm.em.fork())).id;
  activities = createDatasetValidationActivities({ orm, store, workDir: WORKER_CACHE });
  // Built (or found) once up front, so that no test below pays for it against its own timeout.
  await ensureValidationEnvironment(WORKER_CACHE);
}, 600_000);
afterAll(async () => {
  await orm?.close(true);
  await drop?.();
  await rm(dir, { recursive: true, force: true });
});

let datasets = 0;
/** A dataset with one version holding `content` as `fileName`, to be validated against `suite`. */
async function storedVersion(fileName: string, content: string, suite: unknown): Promise<DatasetVersion> {
  const em = orm.em.fork();
  const dataset = new Dataset(organization, `customers-${++datasets}`);
  await em.persist(dataset).flush();
  const key = `${organization}/datasets/${dataset.id}/v1/${fileName}`;
  await store.put(key, content, 'application/octet-stream');
  const version = new DatasetVersion(dataset.id, 'v1', key);
  version.checksum = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  version.expectations = suite;
  await em.persist(version).flush();
  return version;
}

async function validate(version: DatasetVersion) {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const result: DatasetValidationResult = await env.run(activities.validateDatasetVersion, { versionId: version.id });
  const stored = await orm.em.fork().findOneOrFail(DatasetVersion, { id: version.id });
  return { result, stored, report: stored.validationReport as ValidationReport };
}

const CUSTOMERS_SUITE = {
  expectations: [
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 2, max_value: 3 } },
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' } },
    { type: 'expect_column_values_to_be_unique', kwargs: { column: 'email' } },
    // Suites exported before GE 1.0 name the type `expectation_type`.
    { expectation_type: 'expect_column_values_to_be_in_set', kwargs: { column: 'tier', value_set: ['gold', 'silver'] } },
    { type: 'expect_column_values_to_match_regex', kwargs: { column: 'email', regex: '^[a-z]+@example\\.com$' } },
  ],
};

describe('validateDatasetVersion', () => {
  it('passes a CSV that meets its suite', async () => {
    const version = await storedVersion('customers.csv', 'email,tier\nann@example.com,gold\ncy@example.com,silver\n', CUSTOMERS_SUITE);
    const { result, stored, report } = await validate(version);
    expect(result).toEqual({ versionId: version.id, status: 'passed' });
    expect(stored.validationStatus).toBe('passed');
    expect(stored.validatedAt).toBeInstanceOf(Date);
    expect(report).toMatchObject({ success: true, evaluated: 5, successful: 5, unsuccessful: 0, ge_version: GREAT_EXPECTATIONS_VERSION });
    expect(report.results.map((r) => [r.type, r.success])).toEqual([
      ['expect_table_row_count_to_be_between', true],
      ['expect_column_values_to_not_be_null', true],
      ['expect_column_values_to_be_unique', true],
      ['expect_column_values_to_be_in_set', true],
      ['expect_column_values_to_match_regex', true],
    ]);
    expect(report.results[0]).toMatchObject({ kwargs: { min_value: 2, max_value: 3 }, observed_value: 2 });
    // The downloaded copy is gone; only the cached venv stays.
    expect(await readdir(join(WORKER_CACHE, 'dataset-validation', 'work')).then((entries) => entries.filter((e) => e.startsWith(`${version.id}-`)))).toEqual([]);
  });

  it('fails a CSV that breaks it, naming the unexpected values', async () => {
    const csv = 'email,tier\nann@example.com,gold\nann@example.com,bronze\n,silver\nBOB@example.org,gold\n';
    const { result, stored, report } = await validate(await storedVersion('customers.csv', csv, CUSTOMERS_SUITE));
    expect(result.status).toBe('failed');
    expect(stored.validationStatus).toBe('failed');
    expect(report).toMatchObject({ success: false, evaluated: 5, successful: 0, unsuccessful: 5 });
    expect(report.results).toEqual([
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 2, max_value: 3 }, success: false, observed_value: 4 },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' }, success: false, unexpected_count: 1, partial_unexpected_list: [null] },
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'email' }, success: false, unexpected_count: 2, partial_unexpected_list: ['ann@example.com', 'ann@example.com'] },
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'tier', value_set: ['gold', 'silver'] }, success: false, unexpected_count: 1, partial_unexpected_list: ['bronze'] },
      { type: 'expect_column_values_to_match_regex', kwargs: { column: 'email', regex: '^[a-z]+@example\\.com$' }, success: false, unexpected_count: 1, partial_unexpected_list: ['BOB@example.org'] },
    ]);
  });

  it('fails a suite with an expectation GE does not know or one that raises, and still evaluates the rest', async () => {
    const suite = {
      expectations: [
        { type: 'expect_customers_to_be_happy', kwargs: { column: 'email' } },
        { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'phone' } },
        { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'tier', value_set: 5 } },
        { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' } },
      ],
    };
    const rows = [{ email: 'ann@example.com', tier: 'gold' }];
    const { result, report } = await validate(await storedVersion('customers.json', JSON.stringify(rows), suite));
    expect(result.status).toBe('failed');
    expect(report).toMatchObject({ success: false, evaluated: 4, successful: 1, unsuccessful: 3 });
    expect(report.results[0]).toEqual({ type: 'expect_customers_to_be_happy', kwargs: { column: 'email' }, success: false, exception: 'ExpectationNotFoundError: expect_customers_to_be_happy not found' });
    expect(report.results[1]).toMatchObject({ type: 'expect_column_values_to_not_be_null', success: false, exception: expect.stringContaining('The column "phone" in BatchData does not exist') });
    expect(report.results[2]).toMatchObject({ type: 'expect_column_values_to_be_in_set', success: false, exception: expect.stringContaining('value_set') });
    expect(report.results[3]).toMatchObject({ type: 'expect_column_values_to_not_be_null', success: true, unexpected_count: 0 });
  });

  it('reads JSON Lines, and reports a file it cannot read as a failed validation', async () => {
    const suite = { expectations: [{ type: 'expect_column_values_to_be_between', kwargs: { column: 'age', min_value: 18, max_value: 120 } }] };
    const lines = await validate(await storedVersion('people.jsonl', '{"age": 30}\n{"age": 17}\n', suite));
    expect(lines.report.results).toEqual([{ type: 'expect_column_values_to_be_between', kwargs: { column: 'age', min_value: 18, max_value: 120 }, success: false, unexpected_count: 1, partial_unexpected_list: [17] }]);

    const unreadable = await validate(await storedVersion('people.json', '{"age": 30}', suite));
    expect(unreadable.stored.validationStatus).toBe('failed');
    expect(unreadable.report).toMatchObject({ success: false, evaluated: 0, results: [], error: 'ValueError: the dataset is not a JSON array of objects' });
  });

  it('records a validation that could not run as failed, with the reason', async () => {
    const version = await storedVersion('customers.csv', 'email\nann@example.com\n', CUSTOMERS_SUITE);
    const outcome = await activities.recordDatasetValidationError({ versionId: version.id, message: 'the version could not be validated: no worker' });
    expect(outcome).toEqual({ versionId: version.id, status: 'failed' });
    const stored = await orm.em.fork().findOneOrFail(DatasetVersion, { id: version.id });
    expect(stored.validationReport).toEqual({ success: false, evaluated: 0, successful: 0, unsuccessful: 0, results: [], ge_version: GREAT_EXPECTATIONS_VERSION, error: 'the version could not be validated: no worker' });
  });
});
