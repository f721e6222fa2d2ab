import { STATUS_CODES } from 'node:http';
import type { Context, Next } from 'koa';
import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { type z } from 'zod';
import { isDatabaseUnavailable } from '@qatron/domain';

/**
 * RFC 9457 problem details. Every error the API answers is a Problem with a stable `code`;
 * anything else is a bug, logged and answered as a generic 500 without internals.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, id?: string | number) =>
  new Problem(404, 'not_found', 'Not found', id === undefined ? `${what} not found` : `${what} ${id} not found`);
export const conflict = (detail: string, code = 'conflict') => new Problem(409, code, 'Conflict', detail);
export const unauthorized = (detail = 'Authentication required: send Authorization: Bearer <token>') =>
  new Problem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail);
/** How long a client should wait before retrying while the database is unreachable (seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
/** PostgreSQL is down or restarting: nothing was changed, and the same request will work once it is back. */
export const databaseUnavailable = () =>
  new Problem(503, 'database_unavailable', 'Service unavailable', 'The database is unreachable; nothing was changed. Retry shortly (GET /readyz says why).', undefined, {
    'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
  });
/** The run engine (Temporal) is not configured or not reachable: the request may work later. */
export const engineUnavailable = (detail: string) => new Problem(503, 'engine_unavailable', 'Service unavailable', detail);
export const badRequest = (detail: string, code = 'bad_request') => new Problem(400, code, 'Bad request', detail);
export const validationFailed = (errors: FieldError[]) =>
  new Problem(
    422,
    'validation_failed',
    'Validation failed',
    errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '),
    errors,
  );
/** The request is larger than this operation reads (a JSON or form body, a dataset version). */
export const payloadTooLarge = (limitBytes: number) =>
  new Problem(413, 'payload_too_large', 'Payload too large', `The body may hold at most ${limitBytes} bytes`);
/** Bytes that are not UTF-8 (or percent-escapes that decode to none) where the API reads text. */
export const invalidEncoding = (field: string, detail: string) =>
  new Problem(400, 'invalid_encoding', 'Bad request', `${field}: ${detail}`, [{ field, message: detail }]);
export const unsupportedMediaType = (detail: string) => new Problem(415, 'unsupported_media_type', 'Unsupported media type', detail);
/** RFC 9110 15.5.6: the resource exists but not with this method; `Allow` lists the methods it has. */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new Problem(405, 'method_not_allowed', 'Method not allowed', `${method} is not allowed on ${path}; it allows ${allowed.join(', ')}`, undefined, {
    Allow: allowed.join(', '),
  });
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new Problem(429, 'too_many_requests', 'Too many requests', detail, undefined, {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });

/** Zod issues as field errors, paths in the API's snake_case dotted form (`variables.BASE`). */
export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** The problem+json document for a Problem. */
export function problemBody(problem: Problem, instance?: string) {
  return {
    type: `https://qatron.dev/problems/${problem.code}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    instance,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}

/** Koa middleware: turns thrown Problems (and body-parser/HTTP errors) into problem details. */
export function problemMiddleware(log: (message: string, err: unknown) => void) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound(`${ctx.method} ${ctx.path}`);
    } catch (err) {
      let problem: Problem;
      if (err instanceof Problem) problem = err;
      else if (isDatabaseUnavailable(err)) problem = databaseUnavailable();
      else if (err instanceof UniqueConstraintViolationException) {
        // A concurrent request won the race the service's own check was guarding against.
        problem = conflict('A resource with the same unique name already exists', 'already_exists');
      } else if (err instanceof ForeignKeyConstraintViolationException) {
        problem = conflict('The resource is still referenced by others', 'still_referenced');
      }
      else if (isHttpError(err) && err.status >= 400 && err.status < 500) {
        // Raised by Koa itself (ctx.throw, ctx.assert): titled and coded by its status, not all "Bad request".
        problem = httpErrorProblem(err.status, err.message);
      } else {
        log(`unhandled error on ${ctx.method} ${ctx.path}`, err);
        problem = new Problem(500, 'internal_error', 'Internal server error', 'An unexpected error occurred; it has been logged.');
      }
      ctx.status = problem.status;
      ctx.set(problem.headers);
      ctx.type = 'application/problem+json';
      ctx.body = problemBody(problem, ctx.path);
    }
  };
}

/** `413` → code `payload_too_large`, title `Payload too large`. */
function httpErrorProblem(status: number, detail: string): Problem {
  const text = STATUS_CODES[status] ?? 'Bad Request';
  const title = text.charAt(0) + text.slice(1).toLowerCase();
  return new Problem(status, text.toLowerCase().replace(/[^a-z0-9]+/g, '_'), title, detail);
}

function isHttpError(err: unknown): err is { status: number; message: string } {
  return typeof err === 'object' && err !== null && 'status' in err && typeof (err as { status: unknown }).status === 'number';
}
