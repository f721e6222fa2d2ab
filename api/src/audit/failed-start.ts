import type { MikroORM } from '@mikro-orm/postgresql';
import type { AuditAction } from '@qatron/domain';
import type { RequestOrigin } from '../http/principal.js';
import { recordAudit, type AuditActor } from './record.js';

/** A workflow the API started in the background (after answering) that could not be started. */
export interface FailedStart {
  /** What was not started, as a log line says it: "feature ingestion of project 3". */
  what: string;
  action: AuditAction;
  resource: { type: string; id: number };
  details: Record<string, unknown>;
  /** Whose request started it, and from where. */
  actor: AuditActor;
  origin: RequestOrigin;
  error: unknown;
}

/** Says a failed background start in one log line and keeps it in the audit log. */
export type FailedStartRecorder = (failure: FailedStart) => Promise<void>;

/**
 * Nobody waits for a background start, so its failure must not vanish: one readable line in the
 * log, and an audit entry with the reason, written in a transaction of its own (the request that
 * caused the start has committed already).
 */
export function failedStartRecorder(orm: MikroORM, log: (message: string) => void): FailedStartRecorder {
  return async ({ what, action, resource, details, actor, origin, error }) => {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    log(`${what} could not be started: ${reason}`);
    const em = orm.em.fork();
    recordAudit(em, actor, action, resource, { ...details, reason }, origin);
    await em.flush().catch((err: unknown) => log(`the audit entry ${action} of ${what} could not be written: ${err instanceof Error ? err.message : String(err)}`));
  };
}
