import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';

/**
 * A fresh Temporal namespace on the test tiers' dev server, served before this returns. Test files
 * share one server, and their databases all number rows from 1: a namespace of its own keeps a
 * file's workflows, workers and schedules (`run-1`, `qatron-schedule-1`, …) apart from another's.
 */
export async function freshTemporalNamespace(address: string, prefix = 't'): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const namespace = `${prefix}-${randomBytes(5).toString('hex')}`;
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
