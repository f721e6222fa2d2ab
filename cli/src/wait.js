import { ApiError } from './client.js';
import { EXIT } from './errors.js';
import { ask } from './prompt.js';

/** @typedef {import('./client.js').ApiClient} ApiClient */
/** @typedef {import('@qatron/api-types').Run} Run */
/** @typedef {import('@qatron/api-types').RunStatus} RunStatus */
/** @typedef {import('@qatron/api-types').ShardProgress} ShardProgress */

/** @type {RunStatus[]} */
export const FINAL_STATUSES = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'];

/**
 * The exit code for a run's final status (issue 5): 0 completed; 1 failed or partial_failed
 * (a missed coverage threshold fails the run); 2 timed_out, infra_failed, cancelled.
 * @param {RunStatus} status
 */
export function exitCodeOf(status) {
  if (status === 'completed') return EXIT.OK;
  if (status === 'failed' || status === 'partial_failed') return EXIT.FAILED;
  return EXIT.INCOMPLETE;
}

/**
 * @param {number | null | undefined} seconds
 */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '-';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m ${String(rest).padStart(2, '0')}s`;
  if (m) return `${m}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

/**
 * One shard's progress as a line; with `width`, a progress bar of that many cells.
 * @param {ShardProgress} shard
 * @param {number} [width]
 */
export function shardLine(shard, width) {
  const counts = `${shard.done}/${shard.total || '?'} (${shard.passed} passed, ${shard.failed} failed, ${shard.skipped} skipped)`;
  const bar = width ? `[${progressBar(shard.total ? shard.done / shard.total : 0, width)}] ` : '';
  const attempt = shard.attempt > 1 ? ` attempt ${shard.attempt}` : '';
  const reason = shard.reason ? `: ${shard.reason}` : '';
  return `shard ${shard.index} ${bar}${shard.status.padEnd(width ? 9 : 0)} ${counts} ${formatDuration(shard.elapsed_seconds)}${attempt}${reason}`;
}

/**
 * @param {number} fraction
 * @param {number} width
 */
export function progressBar(fraction, width) {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '#'.repeat(filled) + '-'.repeat(width - filled);
}

/**
 * Shows a run's progress: bars redrawn in place on a terminal, else one line per change.
 */
export class ProgressView {
  /**
   * @param {{ write(text: string): unknown }} stream
   * @param {boolean} tty
   */
  constructor(stream, tty) {
    this.stream = stream;
    this.tty = tty;
    this.drawn = 0;
    /** @type {Map<string, string>} */
    this.last = new Map();
  }

  /** @param {Run} run */
  update(run) {
    const shards = run.progress?.shards ?? [];
    const header = `run ${run.id}: ${run.status}${run.status_reason ? ` (${run.status_reason})` : ''}`;
    if (this.tty) {
      const lines = [header, ...shards.map((s) => `  ${shardLine(s, 24)}`)];
      let text = this.drawn ? `\x1b[${this.drawn}A` : '';
      text += lines.map((line) => `\x1b[2K${line}\n`).join('');
      this.stream.write(text);
      this.drawn = lines.length;
      return;
    }
    /** @type {[string, string][]} */
    const entries = [['run', header], ...shards.map((s) => /** @type {[string, string]} */ ([`shard ${s.index}`, shardLine(s)]))];
    for (const [key, line] of entries) {
      // Elapsed time alone is no change worth a line.
      const identity = line.replace(/ \d+[hms].*?(?= attempt|: |$)/, '');
      if (this.last.get(key) === identity) continue;
      this.last.set(key, identity);
      this.stream.write(`${line}\n`);
    }
  }
}

/**
 * Whether waiting is over: the run has its verdict and, with `report`, its report is no longer
 * pending (the verdict comes first; the Allure report and coverage HTML attach after it).
 * @param {Run} run
 * @param {boolean} report
 */
export function doneWaiting(run, report) {
  return FINAL_STATUSES.includes(run.status) && (!report || run.report_status !== 'pending');
}

/**
 * Polls `GET /api/v1/runs/{id}` every `intervalMs` until the run is final (and, with `waitReport`,
 * its report attached), showing its progress. `--timeout` gives up (exit 2); Ctrl-C asks whether
 * to cancel the run on a terminal and detaches otherwise.
 * @param {{ client: ApiClient, runId: number, view: ProgressView, io: { stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, isTTY: boolean }, timeoutSeconds?: number, intervalMs?: number, waitReport?: boolean }} options
 * @returns {Promise<{ run: Run } | { gaveUp: 'timeout' | 'detached', run: Run }>}
 */
export async function waitForRun({ client, runId, view, io, timeoutSeconds, intervalMs = 1000, waitReport = false }) {
  const deadline = timeoutSeconds ? Date.now() + timeoutSeconds * 1000 : Infinity;
  /** @type {(() => void) | null} */
  let wake = null;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    wake?.();
  };
  process.on('SIGINT', onSigint);
  let run = await client.request('GET', `/api/v1/runs/${runId}`);
  try {
    for (;;) {
      view.update(run);
      if (doneWaiting(run, waitReport)) return { run };
      if (interrupted) {
        interrupted = false;
        if (!io.isTTY) return { gaveUp: 'detached', run };
        let answer = '';
        try {
          answer = await ask(io, `Cancel run ${runId}? [y/N] `);
        } catch {
          return { gaveUp: 'detached', run };
        }
        if (/^y(es)?$/i.test(answer.trim())) {
          try {
            run = await client.request('PUT', `/api/v1/runs/${runId}`, { json: { status: 'cancelled', status_reason: 'cancelled from the CLI' } });
          } catch (err) {
            // The run may have finished meanwhile (409): the next poll shows its verdict.
            if (!(err instanceof ApiError && err.status === 409)) throw err;
          }
          view.drawn = 0;
          continue;
        }
        view.drawn = 0;
      }
      if (Date.now() >= deadline) return { gaveUp: 'timeout', run };
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          resolve(undefined);
        };
      });
      wake = null;
      if (interrupted) continue;
      run = await client.request('GET', `/api/v1/runs/${runId}`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
