import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import { roleAtLeast, type Run } from '@qatron/domain';
import { z } from 'zod';
import { IdParams } from '../http/params.js';
import { bearerToken } from '../auth/authenticate.js';
import type { ApiDeps } from '../http/deps.js';
import { forbidden, notFound, unauthorized } from '../http/problems.js';
import { defineRoute, type AnyRoute, type Authenticator, type HandlerResult } from '../http/route.js';
import { isReportFilePath, REPORT_CONTENT_SECURITY_POLICY } from './files.js';
import { ReportQuery } from './schema.js';

const ReportFileParams = IdParams.extend({ path: z.string().describe('The file inside the report; may contain slashes') });
import { findVisibleRun } from '../http/scope.js';
import { findTokenRun, openReportFile } from './service.js';

/** The cookie that carries the report token to the files a multi-file report loads by relative URL. */
export const REPORT_COOKIE = 'qatron_report';

const reportPath = (runId: number) => `/api/v1/runs/${runId}/report/`;

/**
 * FR-RPT-03, PRD 13.3: a run's stored Allure report, opened from a plain browser link. Both routes
 * are `public` to the router because a browser following `report_url` sends no Authorization
 * header; they authenticate here instead, accepting either a bearer token (as any viewer
 * endpoint) or a report token for exactly this run, from `?token=` or from the report cookie.
 */
export function reportRoutes(deps: ApiDeps, authenticate: Authenticator): AnyRoute[] {
  /**
   * The run whose report the request may read. A bearer token is checked like on every other
   * endpoint (role, organization, project scope); without one, the report token must be valid and
   * name this run. A token given in the query is set as the report's cookie, so that the files a
   * multi-file report fetches by relative URL authenticate too.
   */
  async function authorize(koa: Context, em: EntityManager, runId: number, queryToken: string | undefined): Promise<Run> {
    if (bearerToken(koa)) {
      const principal = await authenticate(koa, em);
      if (!principal) throw unauthorized();
      if (!roleAtLeast(principal.role, 'viewer')) throw forbidden('Reading a report needs the viewer role');
      return findVisibleRun(em, principal, runId);
    }
    const token = queryToken ?? koa.cookies.get(REPORT_COOKIE);
    if (!token) throw unauthorized(`Open the report through the run's report_url (GET /api/v1/runs/${runId}), or send Authorization: Bearer <token>`);
    const claims = await deps.reportTokens.verify(token);
    if (!claims || claims.runId !== runId) {
      throw unauthorized(`The report link is invalid or has expired; GET /api/v1/runs/${runId} gives a new report_url`);
    }
    const run = await findTokenRun(em, runId, claims.organizationId);
    if (queryToken !== undefined) {
      koa.cookies.set(REPORT_COOKIE, token, {
        path: reportPath(runId),
        httpOnly: true,
        sameSite: 'lax',
        secure: koa.secure,
        maxAge: Math.max(0, claims.expiresAt.getTime() - Date.now()),
        overwrite: true,
      });
    }
    return run;
  }

  async function serve(em: EntityManager, run: Run, path: string): Promise<HandlerResult<undefined>> {
    const file = await openReportFile(em, deps.store, run, path);
    return {
      raw: file.body,
      headers: {
        // Set as a header, not through Koa's `type`, which would rewrite the charset.
        'Content-Type': file.contentType,
        'Content-Length': String(file.sizeBytes),
        'Content-Security-Policy': REPORT_CONTENT_SECURITY_POLICY,
        'X-Frame-Options': 'SAMEORIGIN',
        // The page's address carries the report token: it must not travel on as a Referer.
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Resource-Policy': 'same-origin',
        // A report never changes once stored, but its page is opened by a URL with a token in it.
        'Cache-Control': path === 'index.html' ? 'private, no-store' : 'private, max-age=3600',
      },
    };
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/report',
      summary:
        "Open the run's Allure report (its index.html; FR-RPT-03). Follow the run's `report_url`, which works from a plain browser link for an hour, " +
        'or send a bearer token. Without the trailing slash, 308 to the same path with it. 404 report_not_found before the report exists; ' +
        "410 artifacts_deleted once retention removed the run's artifacts",
      tag: 'reports',
      role: 'public',
      params: IdParams,
      query: ReportQuery,
      response: {
        status: 200,
        description: 'The report page',
        contentType: 'text/html',
        also: { 308: { description: 'Addressed without the trailing slash: Location is the same path with it', contentType: 'text/plain' } },
      },
      errors: [401, 403, 404, 410],
      handler: async ({ koa, em, params, query }) => {
        // Relative URLs in the report resolve against its directory: the page must be addressed as one.
        if (!koa.path.endsWith('/')) {
          return { status: 308, headers: { Location: `${koa.path}/${koa.search}` }, raw: 'The report is at the same path with a trailing slash\n', contentType: 'text/plain' };
        }
        const run = await authorize(koa, em, params.id, query.token);
        return serve(em, run, 'index.html');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/report/*path',
      summary:
        "A file of the run's Allure report (scripts, data and attachments of a multi-file report), authenticated like the report itself; " +
        'the report cookie set when the report was opened from report_url is enough. `path` may contain slashes',
      tag: 'reports',
      role: 'public',
      // `path` may span several segments (OpenAPI cannot say so; the summary does); it is checked below.
      params: ReportFileParams,
      query: ReportQuery,
      response: { status: 200, description: 'The file, with a content type by extension', contentType: 'application/octet-stream' },
      errors: [401, 403, 404, 410],
      handler: async ({ koa, em, params, query }) => {
        const path = params.path;
        const run = await authorize(koa, em, params.id, query.token);
        if (!isReportFilePath(path)) throw notFound(`File ${JSON.stringify(path)} of the Allure report of run`, run.id);
        return serve(em, run, path);
      },
    }),
  ];
}
