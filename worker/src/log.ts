/**
 * The worker's log (issue 17 item 1): one line per entry on stderr; with LOG_FORMAT=json (always in
 * production) a JSON object that carries, while an activity runs, its run, shard and workflow ids
 * (activities/src/log-context.ts), so that a collector can follow a run by `run_id`.
 */
import { activityLogFields } from '@qatron/activities/log-context';
import { formatLogLine, type LogFormat } from '@qatron/domain/logging';

export { withLogContext } from '@qatron/activities/log-context';

export function workerLog(format: LogFormat, write: (line: string) => void = (line) => process.stderr.write(line)): (message: string) => void {
  return (message) => write(formatLogLine('worker', format, 'info', message, activityLogFields()));
}
