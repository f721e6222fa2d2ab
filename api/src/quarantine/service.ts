import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Quarantine } from '@qatron/domain';
import { activeAt, isActiveAt, recordExpiry } from '@qatron/domain/quarantine/active';
import { actorOf, recordAudit } from '../audit/record.js';
import { conflict, notFound, validationFailed } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject } from '../http/scope.js';
import type { QuarantineCreateInput, QuarantineListFilter } from './schema.js';

/** A project's quarantines, newest first: all, only those in force now, or only those that ended. */
export async function listQuarantines(em: EntityManager, principal: Principal, projectId: number, filter: QuarantineListFilter, now = new Date()) {
  const project = await findVisibleProject(em, principal, projectId);
  const where: FilterQuery<Quarantine> =
    filter.active === undefined
      ? { project: project.id }
      : filter.active
        ? { $and: [{ project: project.id }, activeAt(now)] }
        : { project: project.id, $or: [{ liftedAt: { $ne: null } }, { expiresAt: { $ne: null, $lte: now } }] };
  const [items, total] = await em.findAndCount(Quarantine, where, { orderBy: { id: 'desc' }, limit: filter.limit, offset: filter.offset });
  return { items, total };
}

/**
 * Quarantines a test of the project (issue 15 item 2) and audits it. 409 while the test has a
 * quarantine in force; one that has expired without the sweep lifting it yet is lifted as expired
 * first, so the new one takes its place at once.
 */
export async function addQuarantine(em: EntityManager, principal: Principal, projectId: number, input: QuarantineCreateInput, origin: RequestOrigin): Promise<Quarantine> {
  const project = await findVisibleProject(em, principal, projectId);
  const now = new Date();
  const expiresAt = input.expires_at === null ? null : new Date(input.expires_at);
  if (expiresAt && expiresAt <= now) throw validationFailed([{ field: 'expires_at', message: 'must be in the future' }]);
  return em.transactional(async (tx) => {
    const current = await tx.findOne(Quarantine, { project: project.id, nodeId: input.node_id, liftedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (current && isActiveAt(current, now)) {
      throw conflict(`${input.node_id} is already quarantined (quarantine ${current.id}, owner ${current.owner}); lift it first`, 'already_quarantined');
    }
    if (current) {
      recordExpiry(tx, current);
      // The expired row must leave the one-active-per-test index before the new row enters it.
      await tx.flush();
    }
    const quarantine = new Quarantine(project.organization, project.id, input.node_id, input.reason, input.owner, { userId: principal.userId, name: principal.name });
    quarantine.expiresAt = expiresAt;
    tx.persist(quarantine);
    await tx.flush();
    recordAudit(
      tx,
      actorOf(principal),
      'quarantine.added',
      { type: 'quarantine', id: quarantine.id },
      { project_id: project.id, node_id: quarantine.nodeId, reason: quarantine.reason, owner: quarantine.owner, expires_at: expiresAt?.toISOString() ?? null },
      origin,
    );
    return quarantine;
  });
}

/** Lifts a quarantine in force and audits it; 409 for one already lifted or expired. */
export async function liftQuarantine(em: EntityManager, principal: Principal, projectId: number, quarantineId: number, origin: RequestOrigin): Promise<Quarantine> {
  const project = await findVisibleProject(em, principal, projectId);
  return em.transactional(async (tx) => {
    const quarantine = await tx.findOne(Quarantine, { id: quarantineId, project: project.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!quarantine) throw notFound('Quarantine', quarantineId);
    const now = new Date();
    if (quarantine.liftedAt) throw conflict(`Quarantine ${quarantine.id} was already ${quarantine.liftReason ?? 'lifted'} at ${quarantine.liftedAt.toISOString()}`, 'quarantine_ended');
    if (!isActiveAt(quarantine, now)) throw conflict(`Quarantine ${quarantine.id} expired at ${quarantine.expiresAt?.toISOString()}`, 'quarantine_ended');
    quarantine.liftedAt = now;
    quarantine.liftedBy = principal.userId;
    quarantine.liftedByName = principal.name;
    quarantine.liftReason = 'lifted';
    recordAudit(
      tx,
      actorOf(principal),
      'quarantine.lifted',
      { type: 'quarantine', id: quarantine.id },
      { project_id: project.id, node_id: quarantine.nodeId, owner: quarantine.owner, reason: quarantine.reason },
      origin,
    );
    return quarantine;
  });
}
