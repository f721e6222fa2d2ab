import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, Middleware } from 'koa';
import type Router from '@koa/router';
import { type z } from 'zod';
import { roleAtLeast, type Role } from '@qatron/domain';
import { fieldErrors, forbidden, Problem, unauthorized, validationFailed } from './problems.js';
import type { Principal, RequestOrigin } from './principal.js';

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
  response?: { status: number; schema?: R; description?: string; contentType?: string };
  /** Other problem statuses worth documenting (401/403/422 are implied by role and schemas). */
  errors?: number[];
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
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(fieldErrors(result.error, location === 'body' ? undefined : location));
  return result.data as Out<S>;
}

const leaveBodyUnparsed: Middleware = (_ctx, next) => next();

/**
 * Mounts route definitions on a router with body parsing (`parseBody`, skipped for `raw` routes),
 * authentication, role check and validation.
 */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], authenticate: Authenticator, parseBody: Middleware): void {
  for (const route of routes) {
    router[route.method](route.path, route.bodyFormat === 'raw' ? leaveBodyUnparsed : parseBody, async (ctx) => {
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
      const rawBody = (ctx.request as { body?: unknown }).body;
      if (route.body && route.method !== 'get') {
        const type = ctx.request.type;
        const allowed = route.bodyFormat === 'form' ? ['application/json', 'application/x-www-form-urlencoded'] : ['application/json'];
        if (ctx.request.length && !allowed.includes(type)) {
          throw new Problem(415, 'unsupported_media_type', 'Unsupported media type', `Send the body as ${allowed.join(' or ')}`);
        }
      }
      const body = parse(route.body, rawBody ?? {}, 'body');
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
