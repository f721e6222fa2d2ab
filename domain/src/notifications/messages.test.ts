import { describe, expect, it } from 'vitest';
import { boardRunUrl, emailMessage, slackMessage, webhookBody, type RunNotice, type TestNotice } from './messages.js';

const notice: RunNotice = {
  event: 'run.failed',
  deliveryId: '5f0c1e2a-0000-4000-8000-000000000001',
  project: { id: 1, name: 'shop' },
  suite: { id: 2, name: 'smoke' },
  environment: { id: 3, name: 'staging' },
  run: {
    id: 42,
    status: 'partial_failed',
    statusReason: '1 of 4 shards failed',
    branch: 'main',
    commit: '0123456789abcdef0123',
    counts: { total: 120, passed: 110, failed: 7, error: 1, skipped: 2, flaky: 3 },
    durationSeconds: 61.6,
    completedAt: '2026-12-07T00:10:00.000Z',
    url: 'https://qatron.example.test/runs/42',
  },
  previousStatus: 'completed',
};
const test: TestNotice = { event: 'test', deliveryId: 'd-test', project: { id: 1, name: 'shop' }, channel: { id: 9, name: 'ops' }, url: 'https://qatron.example.test/projects/1' };

describe('notification messages', () => {
  it("links the run on the Board whatever the public URL's trailing slash", () => {
    expect(boardRunUrl('https://qatron.example.test/', 42)).toBe('https://qatron.example.test/runs/42');
    expect(boardRunUrl('https://qatron.example.test/qa', 42)).toBe('https://qatron.example.test/qa/runs/42');
  });

  it('gives webhooks the run in snake_case with the previous verdict', () => {
    expect(webhookBody(notice)).toEqual({
      event: 'run.failed',
      delivery_id: notice.deliveryId,
      project: { id: 1, name: 'shop' },
      suite: { id: 2, name: 'smoke' },
      environment: { id: 3, name: 'staging' },
      run: {
        id: 42,
        status: 'partial_failed',
        status_reason: '1 of 4 shards failed',
        branch: 'main',
        commit: '0123456789abcdef0123',
        counts: { total: 120, passed: 110, failed: 7, error: 1, skipped: 2, flaky: 3 },
        duration_seconds: 61.6,
        completed_at: '2026-12-07T00:10:00.000Z',
        url: 'https://qatron.example.test/runs/42',
      },
      previous_status: 'completed',
    });
    expect(webhookBody(test)).toMatchObject({ event: 'test', delivery_id: 'd-test', channel: { id: 9, name: 'ops' } });
  });

  it('tells Slack the verdict, counts, duration and the link, with the reason as context', () => {
    const message = slackMessage(notice);
    expect(message.text).toBe(':warning: shop / smoke on staging failed: partial_failed (run #42): 110 passed, 7 failed, 1 error, 2 skipped, 3 flaky of 120, 1 min 2 s https://qatron.example.test/runs/42');
    expect(message.blocks).toContainEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '1 of 4 shards failed' }] });
    expect(message.blocks.at(-1)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<https://qatron.example.test/runs/42|Open run #42 on the Board>' } });
  });

  it('gives email a subject that names project, suite, environment, verdict and run', () => {
    const email = emailMessage(notice);
    expect(email.subject).toBe('[QAtron] shop / smoke on staging failed: partial_failed (run #42)');
    expect(email.text).toContain('Verdict:  partial_failed (1 of 4 shards failed)\n');
    expect(email.text).toContain('Duration: 1 min 2 s\n');
    expect(email.text.trimEnd().endsWith('https://qatron.example.test/runs/42')).toBe(true);
    expect(emailMessage(test).subject).toBe('[QAtron] Test notification: ops');
  });
});
