import type { NotificationChannel, NotificationChannelKind, NotificationDelivery, NotificationTrigger } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { NotificationChannelOut, NotificationDeliveryOut } from './schema.js';

/** A channel's settings in the API's snake_case: what is audited, compared on update and answered (a type, so it is a record to `changes`). */
export type ChannelFields = {
  name: string;
  kind: NotificationChannelKind;
  url: string | null;
  secret_ref: string | null;
  recipients: string[];
  on: NotificationTrigger[];
  suite_ids: number[];
  enabled: boolean;
};

export function channelFields(channel: NotificationChannel): ChannelFields {
  return {
    name: channel.name,
    kind: channel.kind,
    url: channel.url,
    secret_ref: channel.secretRef,
    recipients: channel.recipients,
    on: channel.rules.on,
    suite_ids: channel.rules.suite_ids,
    enabled: channel.enabled,
  };
}

export function channelOut(channel: NotificationChannel): z.output<typeof NotificationChannelOut> {
  return {
    id: channel.id,
    organization_id: channel.organization,
    project_id: channel.project,
    ...channelFields(channel),
    created_at: iso(channel.createdAt),
    updated_at: iso(channel.updatedAt),
  };
}

export function deliveryOut(delivery: NotificationDelivery): z.output<typeof NotificationDeliveryOut> {
  return {
    id: delivery.id,
    channel_id: delivery.channel,
    run_id: delivery.run,
    delivery_id: delivery.deliveryId,
    event: delivery.event,
    attempt: delivery.attempt,
    status_code: delivery.statusCode,
    error: delivery.error,
    delivered_at: isoOrNull(delivery.deliveredAt),
    created_at: iso(delivery.createdAt),
  };
}
