import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { decodeUrlEncoded } from './input-hygiene.js';
import { badRequest, invalidEncoding, payloadTooLarge, Problem, unsupportedMediaType } from './problems.js';

/** Largest JSON body an operation reads; uploads (raw routes) stream and set their own limit. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
/** Largest form body (the login form): a few short fields. */
export const FORM_BODY_LIMIT_BYTES = 64 * 1024;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The media types a route with this body format reads, in the order the OpenAPI document offers them. */
export function bodyMediaTypes(format: 'json' | 'form'): string[] {
  return format === 'form' ? [FORM_TYPE, JSON_TYPE] : [JSON_TYPE];
}

/**
 * Reads up to `limit` bytes of the request body; more is 413 payload_too_large, from the
 * Content-Length before anything is read, else as soon as the stream passes the limit (the rest is
 * left unread: Node discards it once the answer is sent).
 */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > limit) throw payloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw payloadTooLarge(limit);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof Problem) throw err;
    // The client went away or sent less than it announced: nothing to answer to, but not a 500.
    throw badRequest(`The request body could not be read: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks, size);
}

/** The body as text; bytes that are not UTF-8 are refused rather than replaced with U+FFFD. */
function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidEncoding('body', 'is not valid UTF-8');
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`The body is not well-formed JSON: ${(err as Error).message}`);
  }
}

/**
 * Koa middleware for a route with a JSON (or, for `form`, also a form-encoded) body: checks the
 * media type (415), reads at most the limit (413), decodes strict UTF-8 (400) and parses (400),
 * leaving `ctx.request.body` undefined when no body was sent. Checking the raw bytes is why this
 * replaces @koa/bodyparser, which decodes leniently before anyone can look.
 */
export function requestBodyReader(format: 'json' | 'form'): Middleware {
  const accepted = bodyMediaTypes(format);
  return async (ctx, next) => {
    const announced = ctx.get('transfer-encoding') !== '' || Number(ctx.get('content-length')) > 0;
    if (!BODY_METHODS.has(ctx.method) || !announced) return next();
    const type = ctx.request.type;
    if (!accepted.includes(type)) throw unsupportedMediaType(`Send the body as ${accepted.join(' or ')}`);
    // Charset names are case-insensitive (RFC 2978): browsers send `charset=UTF-8`.
    const charset = ctx.request.charset.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw unsupportedMediaType(`Send the body as UTF-8, not ${charset}`);
    const coding = ctx.get('content-encoding').toLowerCase();
    if (coding && coding !== 'identity') throw unsupportedMediaType(`Send the body without a content coding, not ${coding}`);
    const text = decodeUtf8(await readLimited(ctx.req, type === JSON_TYPE ? JSON_BODY_LIMIT_BYTES : FORM_BODY_LIMIT_BYTES));
    (ctx.request as { body?: unknown }).body = type === JSON_TYPE ? parseJson(text) : decodeUrlEncoded(text);
    await next();
  };
}
