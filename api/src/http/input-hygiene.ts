import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { invalidEncoding, methodNotAllowed, Problem, problemBody, type FieldError } from './problems.js';

/**
 * Input hygiene (issue 13 item 6): what every request must satisfy before a route reads it, kept in
 * one module so that each rule holds on every operation. Text the API reads is UTF-8 without NUL
 * characters: PostgreSQL cannot store NUL in `text` or `jsonb`, and Node replaces undecodable
 * bytes with U+FFFD without a word, so a client would find its data silently changed.
 */

/** Deeper JSON than this is refused: storing it as jsonb (JSON.stringify) would exhaust the stack. */
export const MAX_JSON_DEPTH = 64;

const NUL = '\u0000';

/**
 * `%XX` escapes and `+` (a space) as in a query string or a form body; throws 400 invalid_encoding
 * naming `field` when the escapes are not UTF-8 (`%FF`, `%C3%28`) or are malformed (`%G1`).
 */
function decodeComponent(text: string, field: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidEncoding(field, 'is not valid percent-encoded UTF-8');
  }
}

/**
 * An `application/x-www-form-urlencoded` text (a query string, a form body) as name → value;
 * a repeated name gives an array, as Koa's query parser does. `prefix` names the fields in errors
 * (`query.limit`); URLSearchParams is not used because it turns bad escapes into U+FFFD silently.
 */
export function decodeUrlEncoded(text: string, prefix?: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const name = decodeComponent(at < 0 ? pair : pair.slice(0, at), prefix ?? 'body');
    const value = decodeComponent(at < 0 ? '' : pair.slice(at + 1), [prefix, name].filter(Boolean).join('.'));
    const previous = fields[name];
    fields[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return { ...fields };
}

/**
 * Koa middleware, before routing: the path and the query string must be valid percent-encoded
 * UTF-8 (400 invalid_encoding naming `path` or `query.<name>`). Koa and the router would otherwise
 * read `%FF` as U+FFFD or as the literal text `%FF`.
 */
export function requestTargetHygiene(): Middleware {
  return async (ctx, next) => {
    for (const segment of ctx.path.split('/')) {
      try {
        decodeURIComponent(segment);
      } catch {
        throw invalidEncoding('path', 'is not valid percent-encoded UTF-8');
      }
    }
    if (ctx.querystring) decodeUrlEncoded(ctx.querystring, 'query');
    await next();
  };
}

/**
 * Field errors for what PostgreSQL cannot store or the API will not read, in a parsed input (path
 * parameters, query, body) at any depth, keys included: NUL characters, the key `__proto__` (an
 * assignment of it, as a record's parser makes, changes the object's prototype) and nesting deeper
 * than MAX_JSON_DEPTH. Iterative, so that a deeply nested body cannot overflow the stack here.
 */
export function unstorableInputErrors(input: unknown, prefix?: string): FieldError[] {
  const errors: FieldError[] = [];
  // A stack, children pushed last-first, so that errors come in document order.
  const pending: { value: unknown; path: string[]; depth: number; key?: string }[] = [{ value: input, path: prefix ? [prefix] : [], depth: 0 }];
  while (pending.length > 0 && errors.length < 20) {
    const { value, path, depth, key } = pending.pop()!;
    const field = path.join('.');
    if (key?.includes(NUL)) {
      errors.push({ field, message: 'names a field with NUL (\\u0000) characters' });
      continue;
    }
    if (key === '__proto__') {
      errors.push({ field, message: 'is a reserved name' });
      continue;
    }
    if (typeof value === 'string') {
      if (value.includes(NUL)) errors.push({ field, message: 'must not contain NUL (\\u0000) characters' });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      errors.push({ field, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` });
      continue;
    }
    for (const [name, item] of Object.entries(value).reverse()) pending.push({ value: item, path: [...path, printable(name)], depth: depth + 1, key: name });
  }
  return errors;
}

/** A key as a field name that can be read back: NUL spelled as `\u0000`. */
function printable(key: string): string {
  return key.replaceAll(NUL, '\\u0000');
}

/**
 * Koa middleware, last in the chain (reached only when no route took the request): a path that
 * exists with other methods answers 405 with `Allow` (RFC 9110 15.5.6), OPTIONS answers 204 with
 * `Allow`; an unknown path falls through to 404. Without it TRACE answered 501 and an undeclared
 * method (PUT where only GET exists) 405 without a problem document.
 */
export function undeclaredMethods(router: Router): Middleware {
  return async (ctx) => {
    const declared = router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods);
    if (declared.length === 0) return;
    const allowed = [...new Set([...declared, 'OPTIONS'])];
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allowed.join(', '));
      ctx.status = 204;
      return;
    }
    throw methodNotAllowed(ctx.method, ctx.path, allowed);
  };
}

/** The problem for a request Node's HTTP parser refused before Koa saw it. */
function unparsableRequest(code: string | undefined): Problem {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new Problem(431, 'request_header_fields_too_large', 'Request header fields too large', `The request line and headers may hold at most ${maxHeaderSize} bytes`);
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new Problem(408, 'request_timeout', 'Request timeout', 'The request did not arrive in time');
  return new Problem(400, 'bad_request', 'Bad request', 'The request is not well-formed HTTP');
}

/**
 * Answers requests Node's HTTP parser refuses (a request line and headers over `maxHeaderSize`,
 * malformed HTTP) with a problem document, as every other error, instead of Node's bare status
 * line; the OpenAPI document lists 431 on every operation for this reason.
 */
export function answerUnparsableRequests(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const problem = unparsableRequest(err.code);
    const body = JSON.stringify(problemBody(problem));
    socket.end(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
