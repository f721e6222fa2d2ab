import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';

/**
 * A fresh Temporal namespace on the integration tier's dev server, served before this returns.
 * Run schedules are named by their row id (`qatron-schedule-<id>`), and every test database
 * numbers its rows from 1: a namespace per test file keeps their Temporal Schedules apart.
 */
export async function freshTemporalNamespace(address: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const namespace = `t-${randomBytes(5).toString('hex')}`;
    // The default namespace's retention, taken as the server answers it (a protobuf Long).
    const { config } = await connection.workflowService.describeNamespace({ namespace: 'default' });
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: config?.workflowExecutionRetentionTtl ?? null });
    // A new namespace takes a moment to be served by the frontend.
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return namespace;
      } catch (err) {
        if (attempt >= 100) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await connection.close();
  }
}

/** Whether Temporal Schedule `qatron-schedule-<id>` in `namespace` is paused, as Temporal itself says (for tests of other packages). */
export async function temporalSchedulePaused(address: string, namespace: string, id: number): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    return (await new Client({ connection, namespace }).schedule.getHandle(`qatron-schedule-${id}`).describe()).state.paused;
  } finally {
    await connection.close();
  }
}
