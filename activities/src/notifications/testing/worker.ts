/**
 * A real Temporal worker for notification tests: the committed workflow code and the notification
 * activities, polling qatron-control in a namespace of the test's own on the integration tier's
 * Temporal server, so that no other test file's worker picks up its workflows (and it none of theirs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CONTROL_TASK_QUEUE } from '@qatron/domain';
import { freshTemporalNamespace } from '@qatron/scripts/testing/temporal-namespace';
import type { RunMetricsRecorder } from '../../deps.js';
import type { SecretSource } from '../../execution/secrets.js';
import { REPO_ROOT } from '../../testing/fixture-environment.js';
import { createNotificationActivities, type NotificationSettings } from '../index.js';

export interface NotificationWorker {
  namespace: string;
  /** A client of the worker's namespace. */
  client: Client;
  stop(): Promise<void>;
}

/** A new namespace on the server at `address`, served before this returns. */
export const newNamespace = (address: string): Promise<string> => freshTemporalNamespace(address, 'notify');

/** The worker, in `namespace` (a new one when not given: see newNamespace). */
export async function startNotificationWorker(
  address: string,
  orm: MikroORM,
  secrets: SecretSource,
  settings: NotificationSettings,
  namespace?: string,
  runMetrics?: RunMetricsRecorder,
): Promise<NotificationWorker> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  namespace ??= await newNamespace(address);
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: native,
    namespace,
    taskQueue: CONTROL_TASK_QUEUE,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'src', 'index.ts'), logger: new DefaultLogger('ERROR') }),
    activities: createNotificationActivities({ orm, secrets, runMetrics }, settings),
  });
  const running = worker.run();
  return {
    namespace,
    client: new Client({ connection, namespace }),
    async stop() {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
    },
  };
}

/**
 * Writes the history of every workflow the worker ran to `dir` as Temporal's JSON (README "Replay
 * tests"), named by workflow id, for copying into workflows/histories/. Run the tests with
 * QATRON_RECORD_HISTORIES=<dir> to call it.
 */
export async function recordHistories(worker: NotificationWorker, dir: string): Promise<string[]> {
  // The worker package's converter: the SDK's own fails where npm installs two protobufjs copies.
  const { historyToJSON } = await import('../../../../worker/src/testing/histories.js');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for await (const execution of worker.client.workflow.list()) {
    const history = await worker.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const file = join(dir, `${execution.type}-${execution.workflowId}.json`);
    await writeFile(file, `${historyToJSON(history)}\n`);
    written.push(file);
  }
  return written;
}
