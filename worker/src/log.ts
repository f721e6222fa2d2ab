/**
 * The worker's log (issue 17 item 1): one line per entry on stderr; with LOG_FORMAT=json (always in
 * production) a JSON object that carries, while an activity runs, its run, shard and workflow ids
 * (activities/src/log-context.ts), so that a collector can follow a run by `run_id`.
 */
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { activityLogFields } from '@qatron/activities/log-context';
import { formatLogLine, type LogFields, type LogFormat } from '@qatron/domain/logging';

export { withLogContext } from '@qatron/activities/log-context';

export function workerLog(format: LogFormat, write: (line: string) => void = (line) => process.stderr.write(line)): (message: string) => void {
  return (message) => write(formatLogLine('worker', format, 'info', message, activityLogFields()));
}

/** The SDK's metadata keys a collector follows a run by, in the names the worker's own lines use. */
const SDK_FIELDS: Record<string, string> = { workflowId: 'workflow_id', workflowRunId: 'workflow_run_id', workflowType: 'workflow_type', activityType: 'activity', taskQueue: 'task_queue', attempt: 'attempt' };

/**
 * The Temporal SDK's own entries (worker state, failed activities and workflow tasks) as the same
 * one-line JSON, for LOG_FORMAT=json: its default logger writes multi-line text a collector would
 * split. The error of a failed activity goes in `error`, its stack kept inside the line.
 */
export function sdkJsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): DefaultLogger {
  return new DefaultLogger('INFO', (entry: LogEntry) => {
    const fields: LogFields = {};
    for (const [key, value] of Object.entries(entry.meta ?? {})) {
      const name = SDK_FIELDS[key];
      if (name && (typeof value === 'string' || typeof value === 'number')) fields[name] = value;
    }
    const error: unknown = entry.meta?.error;
    if (error !== undefined) fields.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const level = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : 'info';
    write(formatLogLine('worker', 'json', level, entry.message, fields));
  });
}
