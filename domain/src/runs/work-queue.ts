/**
 * The run's work queue (DESIGN "Work is pulled, not pre-split"; issue 12 item 4): shards ask the
 * run for their next files instead of receiving a fixed part up front, so a slow file never leaves
 * one shard busy while the others idle, with or without history. The workflow holds the queue (its
 * state survives worker crashes); this module is its pure logic, so the deterministic workflow
 * code may use it. No imports.
 *
 * Files are handed out longest first (history seconds; without history the test count, scaled by
 * the median seconds per test of the files that have history), in batches that shrink as the
 * queue drains (guided self-scheduling: each batch is about remaining / (2 × shards)), so that
 * there are few round trips early and a fine grain at the end, where balance is decided.
 */

/** A file as a shard's collection found it: its tests (0 for a module skipped or broken at import). */
export interface CollectedFile {
  file: string;
  tests: number;
}

export interface QueuedFile extends CollectedFile {
  /** Expected seconds (or a test-count proxy when nothing has history). */
  weight: number;
}

/** The queue's state: plain data, so it can live in a workflow and be inspected in a query. */
export interface WorkQueueState {
  /** The files still to hand out, longest first; null until the first shard reports its collection. */
  files: QueuedFile[] | null;
  /** Every file seeded, by name (to put a lost attempt's files back with their weight). */
  catalog: Record<string, QueuedFile>;
  /** Entries (tests plus import-time module reports) of the collection that seeded the queue. */
  totalTests: number;
  totalFiles: number;
  /** Files handed to each shard's current attempt, by shard index. */
  assigned: Record<number, { attempt: number; files: string[] }>;
  basis: 'history' | 'test_count' | null;
}

export function emptyWorkQueue(): WorkQueueState {
  return { files: null, catalog: {}, totalTests: 0, totalFiles: 0, assigned: {}, basis: null };
}

/**
 * Seeds the queue from the first collection reported (later reports of the same selection change
 * nothing): every file, longest expected first, ties by name. `history` maps a file to its median
 * seconds in earlier runs.
 */
export function seedWorkQueue(state: WorkQueueState, collected: readonly CollectedFile[], history: Readonly<Record<string, number>>): WorkQueueState {
  if (state.files !== null) return state;
  const known = collected.filter((f) => history[f.file] !== undefined);
  const perTest = secondsPerTest(known, history);
  // A module skipped or broken at import takes no time: it goes last.
  const weight = (f: CollectedFile) => history[f.file] ?? f.tests * perTest;
  const files = collected
    .map((f) => ({ ...f, weight: weight(f) }))
    .sort((a, b) => b.weight - a.weight || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    ...state,
    files,
    catalog: Object.fromEntries(files.map((f) => [f.file, f])),
    // A module skipped or broken at import is one entry, as pytest counts it.
    totalTests: collected.reduce((n, f) => n + (f.tests > 0 ? f.tests : 1), 0),
    totalFiles: collected.length,
    basis: known.length > 0 ? 'history' : 'test_count',
  };
}

/** The median seconds per test of the files with history; 1 (a test-count proxy) without any. */
function secondsPerTest(known: readonly CollectedFile[], history: Readonly<Record<string, number>>): number {
  const rates = known.filter((f) => f.tests > 0).map((f) => history[f.file]! / f.tests).sort((a, b) => a - b);
  if (rates.length === 0) return 1;
  const mid = Math.floor(rates.length / 2);
  return rates.length % 2 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
}

/**
 * Hands shard `index` (attempt `attempt`) its next batch, or [] when the queue is empty. A new
 * attempt of a shard (its worker died, Temporal retried it) first puts back what the lost attempt
 * had taken: its results died with it.
 */
export function takeWork(state: WorkQueueState, index: number, attempt: number, shardCount: number): { state: WorkQueueState; files: string[] } {
  let current = requeueLostAttempt(state, index, attempt);
  const queue = current.files ?? [];
  if (queue.length === 0) return { state: current, files: [] };
  const remaining = queue.reduce((sum, f) => sum + f.weight, 0);
  const target = remaining / (2 * Math.max(1, shardCount));
  let taken = 0;
  let weight = 0;
  while (taken < queue.length && (taken === 0 || weight + queue[taken]!.weight <= target)) weight += queue[taken++]!.weight;
  const batch = queue.slice(0, taken).map((f) => f.file);
  const previous = current.assigned[index];
  current = {
    ...current,
    files: queue.slice(taken),
    assigned: { ...current.assigned, [index]: { attempt, files: [...(previous?.attempt === attempt ? previous.files : []), ...batch] } },
  };
  return { state: current, files: batch };
}

/** Puts the files of shard `index`'s earlier attempt back at the front of the queue (longest first). */
export function requeueLostAttempt(state: WorkQueueState, index: number, attempt: number): WorkQueueState {
  const previous = state.assigned[index];
  if (!previous || previous.attempt >= attempt || state.files === null) return state;
  const lost = new Set(previous.files);
  const back = previous.files.map((file) => state.catalog[file] ?? { file, tests: 0, weight: 0 });
  const files = [...back, ...state.files.filter((f) => !lost.has(f.file))].sort((a, b) => b.weight - a.weight || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { ...state, files, assigned: { ...state.assigned, [index]: { attempt, files: [] } } };
}
