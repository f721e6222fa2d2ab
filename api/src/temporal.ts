import { Client, Connection } from '@temporalio/client';
import { CONTROL_TASK_QUEUE, type QatronConfig } from '@qatron/domain';

/**
 * The API's one connection to Temporal, shared by the run engine and the background starters
 * (feature ingestion, dataset validation). Opened on first use and reopened after a failed
 * connect, so an API started before Temporal serves once it is up.
 */
export interface TemporalConnection {
  client(): Promise<Client>;
  close(): Promise<void>;
}

export function connectTemporal(address: string, config: QatronConfig): TemporalConnection {
  let client: Promise<Client> | undefined;
  return {
    client: () =>
      (client ??= Connection.connect({ address, connectTimeout: 5000 }).then(
        (connection) => new Client({ connection, namespace: config.temporal.namespace }),
        (err: unknown) => {
          client = undefined;
          throw err;
        },
      )),
    async close() {
      const current = client;
      client = undefined;
      await current?.then((c) => c.connection.close()).catch(() => undefined);
    },
  };
}

/**
 * How the API starts a one-off workflow (feature ingestion, dataset validation): on the control
 * queue, joining the one already running under the same id, given up after half an hour.
 */
export const ONE_OFF_WORKFLOW = { taskQueue: CONTROL_TASK_QUEUE, workflowIdConflictPolicy: 'USE_EXISTING', workflowExecutionTimeout: '30 minutes' } as const;

/** A started workflow's result, waited for up to `waitMs` (null when the time is up, or at once for `waitMs <= 0`; the workflow goes on). */
export function resultWithin<T>(handle: { result(): Promise<T> }, waitMs: number): Promise<T | null> {
  return waitMs <= 0 ? Promise.resolve(null) : within(handle.result(), waitMs);
}

/** `promise`'s value, or null once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([promise, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);
}
