/**
 * One line per log entry for the QAtron processes (issue 17 item 1): `text` for people
 * (`[worker] 2026-12-06T23:00:00.000Z message`, as always), or `json` for collectors (Loki through
 * Grafana Alloy or promtail, any other): one JSON object per line, with the run, shard and
 * workflow the entry belongs to as fields of their own, so that a run can be followed across
 * processes by `run_id`.
 */
export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
/** What an entry is about: run_id, shard, workflow_id, workflow_run_id, activity …; undefined fields are left out. */
export type LogFields = Record<string, string | number | undefined>;

export function formatLogLine(processName: string, format: LogFormat, level: LogLevel, message: string, fields: LogFields = {}): string {
  const time = new Date().toISOString();
  if (format === 'text') return `[${processName}] ${time} ${message}\n`;
  const known = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  // JSON.stringify escapes newlines inside the message (a stack trace): the entry stays one line.
  return `${JSON.stringify({ time, level, process: processName, msg: message, ...known })}\n`;
}
