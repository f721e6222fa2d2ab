import { assertValidKey, contentTypeFor, InvalidArtifactKeyError } from '@qatron/domain';

/** The Content-Type a report file is served with: the domain's one table, by extension. */
export const reportContentType = contentTypeFor;

/**
 * The store prefix of a report from its artifact row: the row of a report directory is keyed by
 * the directory's prefix (ending in '/'); a row keyed by the report's `index.html` itself is read
 * as the directory that holds it.
 */
export function reportPrefix(storageKey: string): string {
  return storageKey.endsWith('/') ? storageKey : storageKey.slice(0, storageKey.lastIndexOf('/') + 1);
}

/**
 * Whether `path` (already percent-decoded, relative to the report) can name a file of the report:
 * non-empty segments, no `.` or `..`, and only the characters artifact keys allow. Anything else
 * cannot exist in the store and answers 404 without reaching it.
 */
export function isReportFilePath(path: string): boolean {
  if (path.length === 0 || path.length > 512 || path.endsWith('/')) return false;
  try {
    assertValidKey(path);
    return true;
  } catch (err) {
    if (err instanceof InvalidArtifactKeyError) return false;
    throw err;
  }
}

/**
 * Content-Security-Policy of a report. Allure's page bootstraps with inline scripts and, in its
 * one-file form, loads its code, styles, fonts and data from `data:` URLs; attachments are shown
 * from `blob:`/`data:` URLs. It may reach nothing but the API itself: the analytics script Allure
 * includes and any external URL a test result names stay blocked, so a report works offline and
 * reports nothing to anyone. No `sandbox`: without `allow-same-origin` the page cannot read its own
 * localStorage and does not start, and with it a sandbox isolates nothing. What keeps a script in a
 * report from acting for its reader is that the API authenticates with bearer headers, which a page
 * cannot attach, and that the report cookie is HttpOnly and scoped to that one report.
 */
export const REPORT_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline' data: blob:",
  "style-src 'self' 'unsafe-inline' data:",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "media-src 'self' data: blob:",
  "connect-src 'self' data: blob:",
  "frame-src 'self' data: blob:",
  "worker-src 'self' data: blob:",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');
