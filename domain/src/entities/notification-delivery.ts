import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { NotificationChannel } from './notification-channel.js';
import { Organization } from './organization.js';
import { Run } from './run.js';

/**
 * What a delivery tells its receiver (the webhook's `X-QAtron-Event`): which rule matched the
 * run's verdict, or a test message sent on request.
 */
export const NOTIFICATION_EVENTS = ['run.failed', 'run.recovered', 'run.finished', 'test'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * One attempt to deliver one notification (issue 17 item 3's delivery log): every attempt Temporal
 * makes is a row, so the log shows a 500 and the 200 of the retry that followed. The attempts of
 * one notification share `deliveryId` (the webhook's `X-QAtron-Delivery`, for receivers to dedupe).
 */
export class NotificationDelivery extends BaseEntity {
  organization: number;
  channel: number;
  /** Null for a test message. */
  run: number | null;
  deliveryId: string;
  event: NotificationEvent;
  /** Temporal's attempt number, from 1. */
  attempt: number;
  /** The receiver's HTTP status, or the SMTP server's reply code; null when none answered. */
  statusCode: number | null = null;
  /** Why the attempt failed (redacted of secrets); null when it was delivered. */
  error: string | null = null;
  /** When the receiver accepted it; null for a failed attempt. */
  deliveredAt: Date | null = null;

  constructor(organization: number, channel: number, run: number | null, deliveryId: string, event: NotificationEvent, attempt: number) {
    super();
    this.organization = organization;
    this.channel = channel;
    this.run = run;
    this.deliveryId = deliveryId;
    this.event = event;
    this.attempt = attempt;
  }
}

export const NotificationDeliverySchema = defineEntity({
  class: NotificationDelivery,
  tableName: 'notification_deliveries',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    channel: p.manyToOne(NotificationChannel).mapToPk().deleteRule('cascade'),
    // The log outlives a deleted run: it says what was sent about it.
    run: p.manyToOne(Run).mapToPk().nullable().deleteRule('set null').index(),
    deliveryId: p.string().length(64),
    event: p.enum(NOTIFICATION_EVENTS),
    attempt: p.integer(),
    statusCode: p.integer().nullable(),
    error: p.text().nullable(),
    deliveredAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['channel', 'createdAt'] }, { properties: ['deliveryId'] }],
});
