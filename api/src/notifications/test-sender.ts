import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { CONTROL_TASK_QUEUE, notificationTestWorkflowId, type NotificationOutcome, type QatronConfig, type QatronWorkflows } from '@qatron/domain';
import { engineUnavailable } from '../http/problems.js';
import { within } from '../temporal.js';

/** How long a request for a test message waits for the worker's one attempt (the receiver has 10 s of it). */
const TEST_WAIT_MS = 20_000;

/** Sends a channel a test message through a worker: the secrets it needs live there, never in the API. */
export interface NotificationTestSender {
  /** The test's outcome; null when no worker made the attempt within the wait. */
  send(channelId: number): Promise<NotificationOutcome | null>;
}

/**
 * Runs the notify workflow for a test message and waits for it. A test is rare and short, so it
 * uses a connection of its own for the request (closed after) instead of changing the API's shared
 * one's life cycle; an API without TEMPORAL_ADDRESS answers 503.
 */
export function notificationTestSender(config: QatronConfig): NotificationTestSender {
  return {
    async send(channelId) {
      const address = config.temporal.address;
      if (!address) throw engineUnavailable('Test messages are sent by a worker through the run engine (Temporal), which this API is not connected to');
      let connection: Connection;
      try {
        connection = await Connection.connect({ address, connectTimeout: 5000 });
      } catch {
        throw engineUnavailable('The run engine (Temporal) is unreachable; try the test again shortly');
      }
      try {
        const client = new Client({ connection, namespace: config.temporal.namespace });
        const handle = await client.workflow.start<QatronWorkflows['notifyRunWorkflow']>('notifyRunWorkflow', {
          taskQueue: CONTROL_TASK_QUEUE,
          workflowId: notificationTestWorkflowId(channelId, randomUUID()),
          args: [{ kind: 'test', channelId }],
          workflowExecutionTimeout: '5 minutes',
        });
        const result = await within(handle.result(), TEST_WAIT_MS);
        return result?.deliveries[0] ?? null;
      } finally {
        await connection.close();
      }
    },
  };
}
