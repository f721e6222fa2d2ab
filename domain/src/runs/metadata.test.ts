import { describe, expect, it } from 'vitest';
import { readRunMetadata, RUN_METADATA_VERSION, RunMetadataError, storeRunMetadata, type RunMetadata } from './metadata.js';

/** What each phase writes today (activities/src/runs/), phase by phase. */
const provisioning: RunMetadata = {
  bdd: { commit: 'abc1234', files: 2, parsed: 1, added: 1, updated: 0, deactivated: 0, pickles: 3, error_count: 1, errors: [{ path: 'features/bad.feature', line: 4, message: 'expected: Scenario' }] },
  shard_count: 2,
};
const plan: RunMetadata = { plan: { basis: 'history', total_tests: 12, total_files: 3, work: 'pulled' } };
const shards: RunMetadata = {
  shard_count: 2,
  shards: [
    { shard_id: 0, status: 'passed', tests: 7, passed: 6, failed: 0, error: 0, skipped: 1, xfailed: 0, xpassed: 0, flaky: 1, duration: 3.25, attempt: 1, worker: 'worker-a', files: ['tests/test_cart.py'], reason: null },
    { shard_id: 1, status: 'infra_failed', tests: 0, passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0, flaky: 0, duration: null, attempt: null, worker: null, files: [], reason: 'worker lost' },
  ],
};
const gates: RunMetadata = {
  coverage: { percent: 88.5, covered_lines: 177, total_lines: 200, threshold: 80, files: [{ path: 'src/shop/cart.py', percent: 100, statements: 15, missing: 0 }] },
};
const reporting: RunMetadata = { reporting: { report_tests: 12, errors: ['allure: history missing'] } };

describe('run metadata', () => {
  it.each([
    ['provisioning', provisioning],
    ['plan', plan],
    ['shards', shards],
    ['gates', gates],
    ['gates without a figure', { coverage: null }],
    ['reporting', reporting],
    ['a failed feature index', { bdd: { commit: 'abc1234', failed: 'database unavailable' } }],
    ['a new run', {}],
  ])('stores and reads back %s', (_phase, metadata: RunMetadata) => {
    const stored = storeRunMetadata(metadata);
    expect(stored).toEqual({ version: RUN_METADATA_VERSION, ...metadata });
    expect(readRunMetadata(JSON.parse(JSON.stringify(stored)))).toEqual(metadata);
  });

  it('reads all phases together', () => {
    const whole = { ...provisioning, ...plan, ...shards, ...gates, ...reporting };
    expect(readRunMetadata(storeRunMetadata(whole))).toEqual(whole);
  });

  it('reads rows written before the version field, in their older shapes (pre-split plan, three counts per shard)', () => {
    const old = {
      bdd: { commit: 'abc1234', files: 1, parsed: 1, added: 1, updated: 0, deactivated: 0, pickles: 1, error_count: 0, errors: [] },
      plan: { commit: 'abc1234', basis: 'test_count', total_tests: 3, shards: [{ index: 0, files: ['tests/test_a.py'], test_ids: ['tests/test_a.py::test_one'], estimated_weight: 3 }] },
      shard_count: 1,
      shards: [{ shard_id: 0, status: 'failed', tests: 3, passed: 2, failed: 1, skipped: 0, flaky: 0, duration: 1.5, attempt: 1, worker: 'w', reason: null }],
      coverage: null,
      reporting: { report_tests: 3, errors: [] },
    };
    expect(readRunMetadata(old)).toEqual(old);
    // Written back (a late report of an old run), it keeps its records and gains the version.
    expect(storeRunMetadata(readRunMetadata(old))).toEqual({ version: RUN_METADATA_VERSION, ...old });
  });

  it('refuses a malformed write, naming the field', () => {
    const malformed = { reporting: { report_tests: 3, errors: 'none' } } as unknown as RunMetadata;
    expect(() => storeRunMetadata(malformed)).toThrow(RunMetadataError);
    expect(() => storeRunMetadata(malformed)).toThrow(/refusing to write run metadata: run_metadata\.reporting\.errors: .*expected array/);
  });

  it('refuses a key no phase writes, and a shard with a negative count', () => {
    expect(() => storeRunMetadata({ shard_cuont: 2 } as unknown as RunMetadata)).toThrow(/run_metadata: Unrecognized key: "shard_cuont"/);
    const negative = { shards: [{ ...shards.shards![0]!, passed: -1 }] };
    expect(() => storeRunMetadata(negative)).toThrow(/run_metadata\.shards\.0\.passed: /);
  });

  it('refuses to read a row of a version it does not know, or one that is not an object', () => {
    expect(() => readRunMetadata({ version: 2, shard_count: 1 })).toThrow(/cannot read run metadata: run_metadata\.version: /);
    expect(() => readRunMetadata(null)).toThrow(RunMetadataError);
  });
});
