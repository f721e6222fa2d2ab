import { describe, expect, it } from 'vitest';
import { makespanLowerBound, median, planShards, selectionShardCount, testFile } from './planner.js';

const ids = (file: string, n: number) => Array.from({ length: n }, (_, i) => `${file}::test_${i}`);

describe('shard planner', () => {
  it('reads the file of a node id', () => {
    expect(testFile('tests/test_a.py::TestX::test_y[1-2]')).toBe('tests/test_a.py');
    expect(testFile('tests/test_a.py')).toBe('tests/test_a.py');
  });

  it('keeps every test of a file in one shard and loses no test', () => {
    const tests = [...ids('a.py', 3), ...ids('b.py', 2), ...ids('c.py', 5), ...ids('d.py', 1)];
    const plan = planShards(tests, 2);
    expect(plan.shards.flatMap((s) => s.testIds).sort()).toEqual([...tests].sort());
    for (const file of ['a.py', 'b.py', 'c.py', 'd.py']) {
      expect(plan.shards.filter((s) => s.files.includes(file))).toHaveLength(1);
    }
  });

  it('balances by test count without history', () => {
    const plan = planShards([...ids('a.py', 6), ...ids('b.py', 3), ...ids('c.py', 3)], 2);
    expect(plan.basis).toBe('test_count');
    expect(plan.shards.map((s) => s.estimatedWeight)).toEqual([6, 6]);
    expect(plan.shards[0]!.files).toEqual(['a.py']);
    expect(plan.shards[1]!.files).toEqual(['b.py', 'c.py']);
  });

  it('balances by historical durations, longest first', () => {
    const durations = new Map([
      ['slow.py', 10],
      ['mid.py', 6],
      ['quick1.py', 2],
      ['quick2.py', 2],
    ]);
    const plan = planShards([...ids('slow.py', 1), ...ids('mid.py', 10), ...ids('quick1.py', 10), ...ids('quick2.py', 10)], 2, durations);
    expect(plan.basis).toBe('history');
    expect(plan.shards.map((s) => s.files)).toEqual([['slow.py'], ['mid.py', 'quick1.py', 'quick2.py']]);
    expect(plan.shards.map((s) => s.estimatedWeight)).toEqual([10, 10]);
  });

  it('gives files without history the median of the known ones', () => {
    const plan = planShards([...ids('a.py', 1), ...ids('b.py', 1), ...ids('c.py', 1), ...ids('new.py', 1)], 4, new Map([['a.py', 1], ['b.py', 3], ['c.py', 9]]));
    expect(plan.filesWithoutHistory).toBe(1);
    expect(plan.shards.find((s) => s.files.includes('new.py'))!.estimatedWeight).toBe(3);
  });

  it('never plans more shards than files, and none for no tests', () => {
    expect(planShards(ids('only.py', 40), 4).shards).toHaveLength(1);
    expect(planShards([], 4).shards).toHaveLength(0);
  });

  it('computes the makespan lower bound and medians', () => {
    expect(makespanLowerBound([10, 1, 1], 4)).toBe(10);
    expect(makespanLowerBound([4, 4, 4, 4], 2)).toBe(8);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([1, 2, 3, 4])).toBe(2.5);
  });
});

describe('a re-run\'s shards', () => {
  it("start no more shards than the files of the re-run's tests, and at least one", () => {
    expect(selectionShardCount(['tests/test_a.py::test_x', 'tests/test_a.py::test_y[1]'], 4)).toBe(1);
    expect(selectionShardCount(['tests/test_a.py::test_x', 'tests/test_b.py::T::test_y', 'tests/test_c.py'], 2)).toBe(2);
    expect(selectionShardCount(['tests/test_a.py::test_x', 'tests/test_b.py::test_y'], 4)).toBe(2);
    expect(selectionShardCount(['tests/test_a.py::test_x'], 0)).toBe(1);
  });
});
