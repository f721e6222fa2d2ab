import { maxHeaderSize } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, Middleware } from 'koa';
import type Router from '@koa/router';
import { type z } from 'zod';
import { roleAtLeast, type Role } from '@qatron/domain';
import { unstorableInputErrors } from './input-hygiene.js';
import { fieldErrors, forbidden, unauthorized, validationFailed } from './problems.js';
import type { Principal, RequestOrigin } from './principal.js';
import { FORM_BODY_LIMIT_BYTES, JSON_BODY_LIMIT_BYTES, requestBodyReader } from './request-body.js';

/** What a handler gets: typed, validated input and the request's collaborators. */
export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  em: EntityManager;
  origin: RequestOrigin;
  koa: Context;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One endpoint: its contract (method, path, schemas, minimum role) and its handler. The same
 * definition mounts the route (auth → role → validate → handler, STYLE 2) and generates the
 * OpenAPI document, so the two cannot drift apart.
 */
export interface RouteDefinition<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, R extends Schema | undefined> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Koa-router path (`/api/v1/projects/:id`). */
  path: string;
  summary: string;
  tag: string;
  /** Minimum role; `'public'` only for login, health and readiness. */
  role: Role | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /**
   * `form` accepts application/x-www-form-urlencoded besides JSON (OAuth2 password form); `raw`
   * leaves the request stream unparsed for the handler to read (an upload of any content type).
   */
  bodyFormat?: 'json' | 'form' | 'raw';
  response?: {
    status: number;
    schema?: R;
    description?: string;
    contentType?: string;
    /** Other success (or readiness) statuses the handler answers: with the same body, or with `contentType` text. */
    also?: Record<number, { description: string; contentType?: string }>;
  };
  /**
   * Problem statuses particular to this route (404 on a path without parameters, 409, 410…); the
   * ones the mounted chain answers anyway are derived by `problemStatuses`.
   */
  errors?: number[];
  /** False for the few routes that never touch PostgreSQL (liveness), so cannot answer 503 database_unavailable. */
  database?: boolean;
  handler: (ctx: HandlerContext<Out<P>, Out<Q>, Out<B>>) => Promise<HandlerResult<Out<R>>>;
}

/** A handler's answer: the body (validated against the response schema in tests) and status. */
export type HandlerResult<T> = { status?: number; body?: T; headers?: Record<string, string>; raw?: unknown; contentType?: string } | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDefinition<any, any, any, any>;

export function defineRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined, R extends Schema | undefined = undefined>(
  route: RouteDefinition<P, Q, B, R>,
): RouteDefinition<P, Q, B, R> {
  return route;
}

/** Per-request state the middleware chain fills in. */
export interface RequestState {
  em: EntityManager;
  principal?: Principal;
  /** The matched route pattern, for metrics labels. */
  routePath?: string;
}

export type Authenticator = (ctx: Context, em: EntityManager) => Promise<Principal | undefined>;

function parse<S extends Schema | undefined>(schema: S, value: unknown, location: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  // Checked before the schema, whatever it declares: NUL cannot be stored, even in a free-form object.
  const unstorable = unstorableInputErrors(value, location === 'body' ? undefined : location);
  if (unstorable.length > 0) throw validationFailed(unstorable);
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(fieldErrors(result.error, location === 'body' ? undefined : location));
  return result.data as Out<S>;
}

/** Routes without a JSON or form body leave the request stream alone (a raw upload reads its own). */
const leaveBodyUnread: Middleware = (_ctx, next) => next();

/**
 * Mounts route definitions on a router: the body reader (JSON or form routes only), authentication,
 * role check and validation, then the handler.
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], authenticate: Authenticator): void {
  for (const route of routes) {
    const readBody = route.body && route.bodyFormat !== 'raw' ? requestBodyReader(route.bodyFormat === 'form' ? 'form' : 'json') : leaveBodyUnread;
    router[route.method](route.path, readBody, async (ctx) => {
      const state = ctx.state as RequestState;
      state.routePath = route.path;
      let principal: Principal | undefined;
      if (route.role !== 'public') {
        principal = await authenticate(ctx, state.em);
        if (!principal) throw unauthorized();
        if (!roleAtLeast(principal.role, route.role)) {
          throw forbidden(`This action needs the ${route.role} role; you have ${principal.role}`);
        }
        state.principal = principal;
      }
      const params = parse(route.params, ctx.params, 'path');
      const query = parse(route.query, ctx.query, 'query');
      const sent = (ctx.request as { body?: unknown }).body;
      const body = parse(route.body, sent === undefined ? {} : sent, 'body');
      const result = await route.handler({
        params,
        query,
        body,
        principal: principal as Principal,
        em: state.em,
        origin: { ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null },
        koa: ctx,
      });
      ctx.status = result?.status ?? route.response?.status ?? 200;
      if (result?.headers) ctx.set(result.headers);
      if (result?.contentType) ctx.type = result.contentType;
      if (result?.raw !== undefined) ctx.body = result.raw;
      else if (result?.body !== undefined) ctx.body = result.body;
      else if (ctx.status !== 204) ctx.body = null;
    });
  }
}

/**
 * Every problem status a route can answer, with why, as the OpenAPI document lists them (issue 13
 * item 6: every status an operation can return is documented). Derived from what `mountRoutes`
 * and the app's middleware do, so that a new route is documented without a hand-kept list; only
 * what the handler itself decides comes from `errors`. 405 is not per operation (it answers a
 * method the path does not have) and 500 is a bug, never a contract.
 */
export function problemStatuses(route: AnyRoute): Map<number, string> {
  const statuses = new Map<number, string>();
  const readsBody = Boolean(route.body) && route.bodyFormat !== 'raw';
  statuses.set(400, readsBody
    ? 'Malformed request: a path or query string that is not percent-encoded UTF-8, or a body that is not UTF-8 or not well-formed'
    : 'Malformed request: a path or query string that is not percent-encoded UTF-8');
  if (route.role !== 'public') {
    statuses.set(401, 'Missing, invalid or expired token');
    statuses.set(403, `Needs the ${route.role} role; or the caller's organization is deactivated (organization_deactivated), or an admin reset its password (password_change_required)`);
  }
  if (/[:*]\w+/.test(route.path)) statuses.set(404, 'No such resource, or not visible to the caller');
  if (readsBody) {
    const limit = route.bodyFormat === 'form' ? FORM_BODY_LIMIT_BYTES : JSON_BODY_LIMIT_BYTES;
    statuses.set(413, `The body is larger than ${limit} bytes`);
    statuses.set(415, 'The body is not sent in one of the media types of `requestBody`, or not as UTF-8');
  }
  if (route.params || route.query || route.body) statuses.set(422, 'Invalid input; `errors` names each field');
  // Node's HTTP parser answers these before routing (input-hygiene's answerUnparsableRequests).
  statuses.set(431, `The request line and headers are larger than ${maxHeaderSize} bytes`);
  if (route.database !== false) statuses.set(503, 'database_unavailable: the database is unreachable; nothing was changed. Retry after `Retry-After` seconds');
  for (const status of route.errors ?? []) {
    const derived = statuses.get(status);
    statuses.set(status, derived ? `${derived}; or as \`code\` and \`detail\` say` : 'See `code` and `detail`');
  }
  return new Map([...statuses].sort(([a], [b]) => a - b));
}
