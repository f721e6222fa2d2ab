import type { ApiDeps } from '../http/deps.js';
import { pageOf, PageQuery } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { NotificationChannelCreate, NotificationChannelOut, NotificationChannelUpdate, NotificationDeliveryOut, NotificationTestOut } from './schema.js';
import { channelOut, deliveryOut } from './serialize.js';
import { createChannel, deleteChannel, getChannel, listChannels, listDeliveries, testChannel, updateChannel } from './service.js';
import { notificationTestSender } from './test-sender.js';

/**
 * A project's notification channels (issue 17 item 3): webhooks, Slack and email, each with its
 * rules; admins write, viewers read. Deliveries are made by workers through Temporal when a run
 * reaches its verdict; the delivery log lists every attempt.
 */
export function notificationRoutes(deps: ApiDeps): AnyRoute[] {
  const sender = notificationTestSender(deps.config);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/notification-channels',
      summary: "List a project's notification channels by name",
      tag: 'notifications',
      role: 'viewer',
      params: IdParams,
      query: PageQuery,
      response: { status: 200, schema: pageOf(NotificationChannelOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const { items, total } = await listChannels(em, principal, params.id, query);
        return { body: { items: items.map(channelOut), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/projects/:id/notification-channels',
      summary: 'Add a notification channel (webhook, slack or email) with its rules to a project (admin)',
      tag: 'notifications',
      role: 'admin',
      params: IdParams,
      body: NotificationChannelCreate,
      response: { status: 201, schema: NotificationChannelOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => ({ status: 201, body: channelOut(await createChannel(em, principal, params.id, body, origin)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/notification-channels/:id',
      summary: 'Get a notification channel',
      tag: 'notifications',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: NotificationChannelOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: channelOut(await getChannel(em, principal, params.id)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/notification-channels/:id',
      summary: 'Update a notification channel; fields left out keep their value, lists given replace the stored ones (admin)',
      tag: 'notifications',
      role: 'admin',
      params: IdParams,
      body: NotificationChannelUpdate,
      response: { status: 200, schema: NotificationChannelOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => ({ body: channelOut(await updateChannel(em, principal, params.id, body, origin)) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/notification-channels/:id',
      summary: 'Delete a notification channel and its delivery log (admin)',
      tag: 'notifications',
      role: 'admin',
      params: IdParams,
      response: { status: 204 },
      errors: [404],
      handler: async ({ em, principal, params, origin }) => {
        await deleteChannel(em, principal, params.id, origin);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/notification-channels/:id/test',
      summary: 'Send the channel a test message now, once, through a worker, and answer how the receiver answered (admin)',
      tag: 'notifications',
      role: 'admin',
      params: IdParams,
      response: { status: 200, schema: NotificationTestOut },
      // 503 engine_unavailable: the message goes through a workflow, and Temporal is not reachable.
      errors: [404, 503],
      handler: async ({ em, principal, params, origin }) => ({ body: await testChannel(em, principal, params.id, sender, origin) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/notification-channels/:id/deliveries',
      summary: "A notification channel's delivery log: every attempt, newest first",
      tag: 'notifications',
      role: 'viewer',
      params: IdParams,
      query: PageQuery,
      response: { status: 200, schema: pageOf(NotificationDeliveryOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const { items, total } = await listDeliveries(em, principal, params.id, query);
        return { body: { items: items.map(deliveryOut), total, limit: query.limit, offset: query.offset } };
      },
    }),
  ];
}
