import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';
import type { WorkflowType } from '@qatron/domain/contract';
import { SWEEP_SCHEDULE_ID } from '../schedules.js';

/**
 * Histories in Temporal's JSON format (what `temporal workflow show --output json` and the UI
 * export), converted with the protobufjs copy that @temporalio/proto itself uses. The SDK's own
 * `historyToJSON`/`historyFromJSON` (@temporalio/common) fail here with "type must be a Type":
 * npm installs common and proto each with their own protobufjs 8 (the root holds another
 * major), and its protojson refuses the other copy's message types.
 */
const protoEntry = createRequire(import.meta.url).resolve('@temporalio/proto');
const protojson = createRequire(protoEntry)('protobufjs/ext/protojson') as { toJson(type: unknown, message: unknown): unknown; fromJson(type: unknown, json: unknown): unknown };
const historyType: unknown = patchProtobufRoot(createRequire(import.meta.url)(protoEntry)).lookupType('temporal.api.history.v1.History');

/** A history as Temporal's JSON. */
export const historyToJSON = (history: History): string => JSON.stringify(protojson.toJson(historyType, history), null, 2);
/** A history from Temporal's JSON, as the message the replay worker takes. */
export const historyFromJSON = (json: unknown): History => protojson.fromJson(historyType, json) as History;

/**
 * Where the committed workflow histories live (`<workflow type>-<scenario>.json`): recorded from
 * real executions in the e2e tests, replayed against the current workflow code by
 * `worker/src/replay.test.ts` so that a change that breaks runs in flight fails `npm test`.
 */
export const HISTORIES_DIR = new URL('../../../workflows/histories/', import.meta.url).pathname;

/** One recorded execution, as `index.json` beside the dumped histories lists it. */
export interface RecordedHistory {
  file: string;
  type: string;
  workflowId: string;
  runId: string;
  /** COMPLETED, FAILED, CANCELLED, TIMED_OUT, CONTINUED_AS_NEW, or RUNNING (a retention timer still waiting). */
  status: string;
  /** The workflow's result when it completed (a run's final status, a sweep's counts). */
  result: unknown;
}

/**
 * Writes the history of every workflow execution in `namespace` to `<dir>/<namespace>/` as the
 * JSON the Temporal CLI and UI export, with an `index.json` saying how each ended, so that the
 * representative ones can be copied to HISTORIES_DIR. The daily sweep, which otherwise runs only at
 * 02:00, is triggered first (and awaited for up to `sweepWaitMs`) so that it has a history too.
 */
export async function recordHistories(address: string, namespace: string, dir: string, sweepWaitMs = 30_000): Promise<RecordedHistory[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    await runSweepOnce(client, sweepWaitMs);
    const target = join(dir, namespace);
    await mkdir(target, { recursive: true });
    const recorded: RecordedHistory[] = [];
    for await (const execution of client.workflow.list()) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const file = `${execution.type}-${execution.workflowId}-${execution.runId.slice(-8)}.json`.replace(/[^\w.-]/g, '_');
      await writeFile(join(target, file), `${historyToJSON(history)}\n`);
      recorded.push({ file, type: execution.type, workflowId: execution.workflowId, runId: execution.runId, status: execution.status.name, result: completionResult(history) });
    }
    await writeFile(join(target, 'index.json'), `${JSON.stringify(recorded, null, 2)}\n`);
    return recorded;
  } finally {
    await connection.close();
  }
}

/** Triggers the daily sweep schedule (when the stack's worker created it) and waits for the sweep to close. */
async function runSweepOnce(client: Client, waitMs: number): Promise<void> {
  const schedule = client.schedule.getHandle(SWEEP_SCHEDULE_ID);
  try {
    await schedule.trigger();
  } catch {
    return; // no control worker ever started in this namespace: nothing to sweep with
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const { info } = await schedule.describe();
    const started = info.recentActions.at(-1)?.action.workflow;
    if (started) {
      const description = await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).describe();
      if (description.status.name !== 'RUNNING') return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The decoded result of a completed execution (JSON payloads), or null. */
function completionResult(history: History): unknown {
  const last = history.events?.at(-1);
  const payload = last?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  if (!payload?.data) return null;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return null;
  }
}

/** A committed history: its workflow type (the file name's prefix) and the history itself. */
export interface CommittedHistory {
  name: string;
  type: WorkflowType;
  history: History;
}

/** Every history under `dir` (HISTORIES_DIR by default), sorted by file name. */
export async function committedHistories(dir = HISTORIES_DIR): Promise<CommittedHistory[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const name = file.replace(/\.json$/, '');
      const history = historyFromJSON(JSON.parse(await readFile(join(dir, file), 'utf8')));
      const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name as WorkflowType;
      return { name, type, history };
    }),
  );
}
