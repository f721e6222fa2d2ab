/**
 * Shard planning (PRD 12, DESIGN step 2): tests are grouped by file (a file never spans shards, so
 * module fixtures run once, like pytest-xdist's --dist=loadfile) and files are assigned to shards
 * longest-first, each to the currently lightest shard (LPT). Weights are historical per-file
 * durations (median of recent runs); files without history get the median of the known ones.
 * Without any history, the weight is the file's test count.
 */

export interface PlannedShard {
  index: number;
  files: string[];
  testIds: string[];
  /** Expected duration in seconds (or test count when the plan had no history). */
  estimatedWeight: number;
}

export interface ShardPlan {
  shards: PlannedShard[];
  /** 'history' when durations drove the plan, 'test_count' when no file had history. */
  basis: 'history' | 'test_count';
  totalTests: number;
  filesWithHistory: number;
  filesWithoutHistory: number;
}

/** The file part of a pytest node id (`tests/test_x.py::TestA::test_b[1]` → `tests/test_x.py`). */
export function testFile(nodeId: string): string {
  const at = nodeId.indexOf('::');
  return at === -1 ? nodeId : nodeId.slice(0, at);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Plans `shardCount` shards for `testIds`. `fileDurations` maps a file to its historical duration
 * in seconds. Never plans more shards than there are files; an empty collection plans no shard.
 * Deterministic: ties are broken by file name and shard index.
 */
export function planShards(testIds: readonly string[], shardCount: number, fileDurations: ReadonlyMap<string, number> = new Map()): ShardPlan {
  const byFile = new Map<string, string[]>();
  for (const id of testIds) {
    const file = testFile(id);
    let tests = byFile.get(file);
    if (!tests) byFile.set(file, (tests = []));
    tests.push(id);
  }
  const files = [...byFile.keys()];
  const known = files.filter((f) => fileDurations.has(f));
  const basis: ShardPlan['basis'] = known.length > 0 ? 'history' : 'test_count';
  const fallback = basis === 'history' ? median(known.map((f) => fileDurations.get(f)!)) : 0;
  const weight = (file: string) => (basis === 'history' ? (fileDurations.get(file) ?? fallback) : byFile.get(file)!.length);

  const count = Math.max(0, Math.min(Math.max(1, Math.floor(shardCount)), files.length));
  const shards: PlannedShard[] = Array.from({ length: count }, (_, index) => ({ index, files: [], testIds: [], estimatedWeight: 0 }));
  const ordered = files.map((file) => ({ file, weight: weight(file) })).sort((a, b) => b.weight - a.weight || a.file.localeCompare(b.file));
  for (const { file, weight: w } of ordered) {
    let lightest = shards[0]!;
    for (const shard of shards) if (shard.estimatedWeight < lightest.estimatedWeight) lightest = shard;
    lightest.files.push(file);
    lightest.testIds.push(...byFile.get(file)!);
    lightest.estimatedWeight += w;
  }
  return {
    shards,
    basis,
    totalTests: testIds.length,
    filesWithHistory: known.length,
    filesWithoutHistory: files.length - known.length,
  };
}

/** The best any plan can do: max(total / shards, longest file). The bench reports makespan against it. */
export function makespanLowerBound(fileDurations: readonly number[], shardCount: number): number {
  const total = fileDurations.reduce((a, b) => a + b, 0);
  return Math.max(total / Math.max(1, shardCount), ...fileDurations, 0);
}

/**
 * The shards a re-run of `nodeIds` starts (issue 15 item 3): the suite's count, but never more than
 * the files those tests live in, since a file never spans shards and a shard without a file idles.
 */
export function selectionShardCount(nodeIds: readonly string[], suiteShards: number): number {
  const files = new Set(nodeIds.map(testFile)).size;
  return Math.max(1, Math.min(Math.max(1, Math.floor(suiteShards)), files));
}
