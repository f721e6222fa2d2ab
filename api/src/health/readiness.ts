import type { MikroORM } from '@mikro-orm/postgresql';
import { Connection } from '@temporalio/client';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** What /readyz checks: the database answers and Temporal's frontend answers. */
export interface ReadinessProbe {
  check(): Promise<ReadinessReport>;
  close(): Promise<void>;
}

/**
 * Probes PostgreSQL (`select 1`) and Temporal (GetSystemInfo). The Temporal connection is opened
 * lazily and reopened after a failure, so that the API starts and answers /readyz=503 while
 * Temporal is still coming up, then turns ready on its own.
 */
export function createReadinessProbe(orm: MikroORM, temporalAddress: string | undefined, namespace: string): ReadinessProbe {
  let connection: Promise<Connection> | undefined;
  const withTimeout = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

  async function database() {
    try {
      await withTimeout(orm.em.getConnection().execute('select 1'), 2000);
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async function temporal() {
    if (!temporalAddress) return { ok: false, detail: 'TEMPORAL_ADDRESS is not configured' };
    try {
      connection ??= Connection.connect({ address: temporalAddress, connectTimeout: 2000 });
      const conn = await withTimeout(connection, 3000);
      await withTimeout(conn.workflowService.getSystemInfo({}), 2000);
      return { ok: true, detail: `${temporalAddress} (namespace ${namespace})` };
    } catch (err) {
      const stale = connection;
      connection = undefined;
      void stale?.then((c) => c.close()).catch(() => undefined);
      return { ok: false, detail: (err as Error).message };
    }
  }

  return {
    async check() {
      const [db, tmp] = await Promise.all([database(), temporal()]);
      return { ready: db.ok && tmp.ok, checks: { database: db, temporal: tmp } };
    },
    async close() {
      const c = connection;
      connection = undefined;
      await c?.then((conn) => conn.close()).catch(() => undefined);
    },
  };
}
