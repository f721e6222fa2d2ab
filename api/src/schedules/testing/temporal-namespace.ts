import { Client, Connection } from '@temporalio/client';

export { freshTemporalNamespace } from '@qatron/scripts/testing/temporal-namespace';

/** Whether Temporal Schedule `qatron-schedule-<id>` in `namespace` is paused, as Temporal itself says (for tests of other packages). */
export async function temporalSchedulePaused(address: string, namespace: string, id: number): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    return (await new Client({ connection, namespace }).schedule.getHandle(`qatron-schedule-${id}`).describe()).state.paused;
  } finally {
    await connection.close();
  }
}
