/**
 * What a notification says (issue 17 item 3), per channel kind: the webhook's JSON body, the
 * Slack message (incoming-webhook `text` plus Block Kit `blocks`) and the email's subject and text.
 * Pure: the worker loads the run and hands a notice here, so the wording is unit-testable.
 */
import type { NotificationEvent } from '../entities/notification-delivery.js';
import type { FinalRunStatus } from '../runs/status.js';

interface Named {
  id: number;
  name: string;
}

/** A run that reached its verdict, as its notifications describe it. */
export interface RunNotice {
  event: Exclude<NotificationEvent, 'test'>;
  deliveryId: string;
  project: Named;
  suite: Named;
  environment: Named;
  run: {
    id: number;
    status: FinalRunStatus;
    statusReason: string | null;
    branch: string;
    commit: string | null;
    counts: { total: number; passed: number; failed: number; error: number; skipped: number; flaky: number };
    durationSeconds: number | null;
    completedAt: string | null;
    /** The run on the Board (config PUBLIC_URL). */
    url: string;
  };
  previousStatus: FinalRunStatus | null;
}

/** A test message an admin asked for, to check a channel works. */
export interface TestNotice {
  event: 'test';
  deliveryId: string;
  project: Named;
  channel: Named;
  /** The project on the Board. */
  url: string;
}

export type Notice = RunNotice | TestNotice;

/** The Board's page of a run, under the configured public URL. */
export function boardRunUrl(publicUrl: string, runId: number): string {
  return `${publicUrl.replace(/\/+$/, '')}/runs/${runId}`;
}

export function boardProjectUrl(publicUrl: string, projectId: number): string {
  return `${publicUrl.replace(/\/+$/, '')}/projects/${projectId}`;
}

/** The webhook's body: the notice in the API's snake_case. */
export function webhookBody(notice: Notice): Record<string, unknown> {
  if (notice.event === 'test') {
    return { event: 'test', delivery_id: notice.deliveryId, project: notice.project, channel: notice.channel, url: notice.url, message: testLine(notice) };
  }
  const { run } = notice;
  return {
    event: notice.event,
    delivery_id: notice.deliveryId,
    project: notice.project,
    suite: notice.suite,
    environment: notice.environment,
    run: {
      id: run.id,
      status: run.status,
      status_reason: run.statusReason,
      branch: run.branch,
      commit: run.commit,
      counts: run.counts,
      duration_seconds: run.durationSeconds,
      completed_at: run.completedAt,
      url: run.url,
    },
    previous_status: notice.previousStatus,
  };
}

/** A Slack incoming-webhook message: `text` for notifications and clients without blocks, `blocks` for the channel. */
export function slackMessage(notice: Notice): { text: string; blocks: unknown[] } {
  if (notice.event === 'test') {
    return { text: testLine(notice), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `${testLine(notice)} <${notice.url}|Open the project>` } }] };
  }
  const { run } = notice;
  const headline = `${VERDICT_ICON[run.status]} ${summaryLine(notice)}`;
  const fields = [
    `*Verdict*\n${run.status}`,
    `*Tests*\n${countsLine(notice)}`,
    `*Duration*\n${durationText(run.durationSeconds)}`,
    `*Branch*\n${run.branch}${run.commit ? ` @ ${run.commit.slice(0, 12)}` : ''}`,
  ];
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (run.statusReason) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: run.statusReason }] });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${run.url}|Open run #${run.id} on the Board>` } });
  return { text: `${headline}: ${countsLine(notice)}, ${durationText(run.durationSeconds)} ${run.url}`, blocks };
}

/** An email's subject and plain text. */
export function emailMessage(notice: Notice): { subject: string; text: string } {
  if (notice.event === 'test') return { subject: `[QAtron] Test notification: ${notice.channel.name}`, text: `${testLine(notice)}\n\n${notice.url}\n` };
  const { run } = notice;
  const lines = [
    summaryLine(notice),
    '',
    `Verdict:  ${run.status}${run.statusReason ? ` (${run.statusReason})` : ''}`,
    `Tests:    ${countsLine(notice)}`,
    `Duration: ${durationText(run.durationSeconds)}`,
    `Branch:   ${run.branch}${run.commit ? ` @ ${run.commit}` : ''}`,
    '',
    run.url,
  ];
  return { subject: `[QAtron] ${summaryLine(notice)}`, text: `${lines.join('\n')}\n` };
}

const VERDICT_ICON: Record<FinalRunStatus, string> = {
  completed: ':white_check_mark:',
  failed: ':x:',
  partial_failed: ':warning:',
  timed_out: ':hourglass:',
  infra_failed: ':construction:',
  cancelled: ':no_entry_sign:',
};

const EVENT_WORDS: Record<RunNotice['event'], string> = { 'run.failed': 'failed', 'run.recovered': 'recovered', 'run.finished': 'finished' };

/** "shop / smoke on staging recovered: completed (run #12)". */
function summaryLine(notice: RunNotice): string {
  return `${notice.project.name} / ${notice.suite.name} on ${notice.environment.name} ${EVENT_WORDS[notice.event]}: ${notice.run.status} (run #${notice.run.id})`;
}

function countsLine({ run: { counts } }: RunNotice): string {
  const parts = [`${counts.passed} passed`, `${counts.failed} failed`];
  if (counts.error) parts.push(`${counts.error} ${counts.error === 1 ? 'error' : 'errors'}`);
  if (counts.skipped) parts.push(`${counts.skipped} skipped`);
  if (counts.flaky) parts.push(`${counts.flaky} flaky`);
  return `${parts.join(', ')} of ${counts.total}`;
}

function durationText(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  const whole = Math.round(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)} min ${whole % 60} s` : `${whole} s`;
}

function testLine(notice: TestNotice): string {
  return `Test notification from QAtron for channel ${notice.channel.name} of project ${notice.project.name}.`;
}
