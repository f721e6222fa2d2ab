/**
 * A test's window (issue 15 item 1): its outcomes in the most recent runs of one project, suite
 * and environment, oldest first, stored on its `test_health` row so that a finalized run only
 * appends to it (no rescan of test_results). Pure: the activity and the tests share it.
 */
import { z } from 'zod';
import { isFailingOutcome, TEST_OUTCOMES, type TestOutcome } from '../runs/outcomes.js';

/** One run's result of the test, as the window keeps it. */
export const WindowEntry = z.object({
  run_id: z.number().int().positive().describe('The run'),
  outcome: z.enum(TEST_OUTCOMES).describe("pytest's outcome of the test in that run"),
  commit: z.string().nullable().describe('The commit the run tested'),
  retried: z.boolean().describe('Failed first and passed on a retry inside its shard'),
  duration_seconds: z.number().min(0),
  at: z.iso.datetime({ offset: true }).describe('When the run completed'),
});
export type WindowEntry = z.output<typeof WindowEntry>;

export const HealthWindow = z.array(WindowEntry);

/** What an outcome says about a test's health: a skipped test did not run, so it says nothing. */
export type HealthVerdict = 'pass' | 'fail' | null;

export function healthVerdict(outcome: TestOutcome): HealthVerdict {
  if (outcome === 'skipped') return null;
  // xfailed and non-strict xpassed behave as the test declares; a strict xpass is already `failed`.
  return isFailingOutcome(outcome) ? 'fail' : 'pass';
}

/**
 * The window with `entries` added: a skipped result takes no place (it is no evidence either
 * way), a run already in the window is replaced (finalization may be retried), entries are kept in
 * run order and only the `size` most recent runs stay.
 */
export function appendToWindow(window: readonly WindowEntry[], entries: readonly WindowEntry[], size: number): WindowEntry[] {
  const byRun = new Map(window.map((entry) => [entry.run_id, entry]));
  for (const entry of entries) {
    if (healthVerdict(entry.outcome) === null) byRun.delete(entry.run_id);
    else byRun.set(entry.run_id, entry);
  }
  const ordered = [...byRun.values()].sort((a, b) => a.run_id - b.run_id);
  return ordered.slice(Math.max(0, ordered.length - size));
}
