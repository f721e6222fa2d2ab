import { describe, expect, it } from 'vitest';
import { emptyWorkQueue, seedWorkQueue, takeWork, type CollectedFile, type WorkQueueState } from './work-queue.js';

const collected: CollectedFile[] = [
  { file: 'tests/test_a.py', tests: 10 },
  { file: 'tests/test_b.py', tests: 2 },
  { file: 'tests/test_c.py', tests: 40 },
  { file: 'tests/test_skipped_at_import.py', tests: 0 },
];

/** Drains the queue with `shards` shards taking turns; returns each shard's files. */
function drain(state: WorkQueueState, shards: number): string[][] {
  const got: string[][] = Array.from({ length: shards }, () => []);
  for (let turn = 0; ; turn++) {
    const index = turn % shards;
    const next = takeWork(state, index, 1, shards);
    state = next.state;
    if (next.files.length === 0 && (state.files ?? []).length === 0) break;
    got[index]!.push(...next.files);
  }
  return got;
}

describe('the run work queue', () => {
  it('is empty until a collection seeds it, and the first collection wins', () => {
    expect(takeWork(emptyWorkQueue(), 0, 1, 2).files).toEqual([]);
    const seeded = seedWorkQueue(emptyWorkQueue(), collected, {});
    expect(seeded).toMatchObject({ totalFiles: 4, totalTests: 53, basis: 'test_count' });
    expect(seedWorkQueue(seeded, [{ file: 'other.py', tests: 1 }], {})).toBe(seeded);
  });

  it('hands out the longest files first, by history when there is some, and every file exactly once', () => {
    const seeded = seedWorkQueue(emptyWorkQueue(), collected, { 'tests/test_b.py': 30, 'tests/test_a.py': 5 });
    expect(seeded.basis).toBe('history');
    // Without history, a file weighs its tests times the median seconds per test of the known files.
    expect(seeded.files!.map((f) => f.file)).toEqual(['tests/test_c.py', 'tests/test_b.py', 'tests/test_a.py', 'tests/test_skipped_at_import.py']);
    const first = takeWork(seeded, 0, 1, 2);
    expect(first.files).toEqual(['tests/test_c.py']);
    const all = drain(seeded, 3).flat().sort();
    expect(all).toEqual(collected.map((f) => f.file).sort());
  });

  it('shrinks batches as the queue drains', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ file: `tests/test_${String(i).padStart(3, '0')}.py`, tests: 1 }));
    let state = seedWorkQueue(emptyWorkQueue(), many, {});
    const sizes: number[] = [];
    for (;;) {
      const next = takeWork(state, 0, 1, 2);
      if (next.files.length === 0) break;
      sizes.push(next.files.length);
      state = next.state;
    }
    expect(sizes[0]).toBe(25);
    expect(sizes.at(-1)).toBe(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(sizes.length).toBeLessThan(20);
  });

  it('puts back the files of a lost attempt when the shard starts again', () => {
    let state = seedWorkQueue(emptyWorkQueue(), collected, {});
    const taken = takeWork(state, 1, 1, 2);
    state = takeWork(taken.state, 0, 1, 2).state;
    const retry = takeWork(state, 1, 2, 2);
    expect(retry.files).toContain(taken.files[0]);
    const rest = drain(retry.state, 2).flat();
    expect([...rest, ...retry.files, ...state.assigned[0]!.files].sort()).toEqual(collected.map((f) => f.file).sort());
  });
});
