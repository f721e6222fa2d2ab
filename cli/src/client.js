import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT, UsageError } from './errors.js';

/**
 * RFC 9457 problem details as the API answers them; every field may be missing, since an error
 * body may come from a proxy instead of the API.
 * @typedef {Partial<import('@qatron/api-types').Problem>} ProblemDetails
 */

/**
 * One readable line from problem details (RFC 9457): `title: detail`, plus the field errors the
 * detail does not already spell out.
 * @param {ProblemDetails | undefined | null} problem
 * @param {number} status HTTP status, used when the body says nothing
 * @param {string} [statusText]
 * @returns {string}
 */
export function problemMessage(problem, status, statusText = '') {
  const fallback = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (!problem || typeof problem !== 'object') return fallback;
  const title = typeof problem.title === 'string' && problem.title.trim() ? problem.title.trim() : fallback;
  const parts = [];
  const detail = typeof problem.detail === 'string' ? problem.detail.trim() : '';
  if (detail && detail !== title) parts.push(detail);
  for (const error of Array.isArray(problem.errors) ? problem.errors : []) {
    if (!error || typeof error.message !== 'string') continue;
    const text = error.field ? `${error.field}: ${error.message}` : error.message;
    if (!detail.includes(text)) parts.push(text);
  }
  const line = parts.length ? `${title}: ${parts.join('; ')}` : title;
  return line.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** An error answer of the API, as one line; 401, 403 and 422 are usage/authentication errors (exit 3). */
export class ApiError extends CliError {
  /**
   * @param {number} status
   * @param {ProblemDetails | null} problem
   * @param {string} [statusText]
   */
  constructor(status, problem, statusText) {
    super(problemMessage(problem, status, statusText), [401, 403, 422].includes(status) ? EXIT.USAGE : EXIT.ERROR);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.code = problem?.code;
  }
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [json] body sent as JSON
 * @property {Record<string, string>} [form] body sent form-encoded
 * @property {{ data: Uint8Array, contentType: string }} [raw] body sent as it is (a dataset upload)
 * @property {Record<string, string | number | boolean | null | undefined>} [query] empty values are left out
 * @property {string | null} [token] overrides the client's token for this request
 */

/** The QAtron API over HTTP (DESIGN "Module boundaries": the CLI knows the API only through it). */
export class ApiClient {
  /**
   * @param {{ url?: string | null, token?: string | null, fetch?: typeof fetch, userAgent?: string }} options
   */
  constructor({ url, token, fetch: fetchImpl, userAgent = 'qatron-cli' }) {
    this.url = url ? url.replace(/\/+$/, '') : null;
    this.token = token ?? null;
    this.fetch = fetchImpl ?? globalThis.fetch;
    this.userAgent = userAgent;
  }

  /**
   * The absolute URL of an API path.
   * @param {string} path
   * @param {RequestOptions['query']} [query]
   */
  urlOf(path, query) {
    if (!this.url) throw new UsageError('no API URL: run `qatron login --url URL`, or pass --url or set QATRON_API_URL');
    const url = new URL(this.url + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    return url;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<Response>}
   */
  async send(method, path, options = {}) {
    const url = this.urlOf(path, options.query);
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json, application/problem+json', 'user-agent': this.userAgent };
    const token = options.token === undefined ? this.token : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    /** @type {string | Uint8Array | undefined} */
    let body;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.data;
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    /** @type {Response} */
    let res;
    try {
      res = await this.fetch(url, { method: method.toUpperCase(), headers, body });
    } catch (err) {
      const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (err).cause;
      const reason = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new CliError(`cannot reach the API at ${this.url}: ${reason}`, EXIT.ERROR);
    }
    if (!res.ok) throw new ApiError(res.status, await problemOf(res), res.statusText);
    return res;
  }

  /**
   * A JSON request; resolves to the parsed answer (undefined for 204).
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async request(method, path, options = {}) {
    const res = await this.send(method, path, options);
    const text = await res.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(`the API answered ${method.toUpperCase()} ${path} with something that is not JSON`, EXIT.ERROR);
    }
  }

  /**
   * Streams a download to `file` (written beside it first, so a failed download leaves nothing).
   * @param {string} path
   * @param {string} file
   * @param {RequestOptions} [options]
   * @returns {Promise<{ file: string, bytes: number }>}
   */
  async download(path, file, options = {}) {
    const res = await this.send('GET', path, options);
    if (!res.body) throw new CliError(`the API sent no content for ${path}`, EXIT.ERROR);
    const partial = `${file}.part`;
    let bytes = 0;
    const source = Readable.fromWeb(/** @type {import('node:stream/web').ReadableStream} */ (res.body));
    source.on('data', (/** @type {Buffer} */ chunk) => (bytes += chunk.length));
    try {
      await pipeline(source, createWriteStream(partial));
      await rename(partial, file);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { file, bytes };
  }
}

/**
 * @param {Response} res
 * @returns {Promise<ProblemDetails | null>}
 */
async function problemOf(res) {
  const text = await res.text().catch(() => '');
  if (!text) return null;
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}
