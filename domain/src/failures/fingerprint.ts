/**
 * Failure groups (issue 15 item 4): failures that share a cause share a fingerprint, made of the
 * exception's type, its message with what changes from test to test masked (numbers, ids,
 * addresses, temporary paths, timestamps, durations), and the innermost frame in the repository's
 * own code, as `path::function` without the line number, so that an edit above that function
 * does not split its group. Pure and explainable: each part is stored next to the fingerprint.
 */
import { createHash } from 'node:crypto';
import { parseTraceback, type TracebackFrame } from './traceback.js';

export interface FailureReport {
  /** The test's stored message: pytest's crash line, or for a module that failed to import, its report. */
  message: string | null;
  /** pytest's full failure text (the JUnit `<failure>`/`<error>` text), when there is one. */
  traceback: string | null;
  /** The checkout's absolute path: a frame printed absolute inside it is the repository's. */
  checkoutDir?: string;
}

export interface FailureFingerprint {
  /** 16 hex digits of the SHA-256 of the three parts below. */
  fingerprint: string;
  exceptionType: string | null;
  /** The exception's first line with the variable parts masked (`assert <n> == <n>`). */
  normalizedMessage: string;
  /** The innermost frame in the repository's own code, `tests/test_api.py::test_health`. */
  frame: string | null;
}

/** How much of a normalized message is kept (and hashed). */
const MAX_NORMALIZED_LENGTH = 500;

/** The fingerprint of one failed or errored test, with the parts it is made of. */
export function fingerprintFailure(report: FailureReport): FailureFingerprint {
  const parsed = report.traceback ? parseTraceback(report.traceback) : null;
  const text = parsed?.exceptionText ?? report.message ?? '';
  const firstLine = firstMeaningfulLine(text);
  const exceptionType = parsed?.exceptionType ?? typeOfMessage(firstLine);
  const normalizedMessage = normalizeFailureMessage(withoutType(firstLine, exceptionType)).slice(0, MAX_NORMALIZED_LENGTH);
  const own = parsed ? innermostOwnFrame(parsed.frames, report.checkoutDir) : null;
  const frame = own ? `${own.path}::${own.function ?? '?'}` : null;
  const fingerprint = createHash('sha256')
    .update([exceptionType ?? '', normalizedMessage, frame ?? ''].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  return { fingerprint, exceptionType, normalizedMessage, frame };
}

/**
 * Masks what differs between failures of one cause. Order matters: whole tokens (temporary paths,
 * UUIDs, timestamps, addresses) go before the numbers inside them.
 */
export function normalizeFailureMessage(message: string): string {
  return MASKS.reduce((text, [pattern, mask]) => text.replace(pattern, mask), message)
    .replace(/\s+/g, ' ')
    .trim();
}

const MASKS: readonly [RegExp, string][] = [
  // pytest's tmp_path (/tmp/pytest-of-<user>/pytest-<n>/<test>0/…), tempfile's and macOS's temporary directories.
  [/(?:\/private)?(?:\/tmp|\/var\/tmp|\/var\/folders\/[\w/]+?\/T|\/dev\/shm)\/[^\s'"`),\]}>:]*/g, '<tmp>'],
  [/[A-Za-z]:\\(?:Users\\[^\\\s]+\\AppData\\Local\\)?Temp\\[^\s'"`),\]}>:]*/g, '<tmp>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // ISO 8601 and `date`-like timestamps, with optional fractions and zone.
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<timestamp>'],
  [/\b\d{4}-\d{2}-\d{2}\b/g, '<date>'],
  [/\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\b0x[0-9a-f]+\b/gi, '<addr>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '<ip>'],
  // Hex ids (hashes, commit shas, object ids): 8 or more hex digits with at least one digit and one letter.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  // Durations: "3.02s", "after 30 seconds", "1500 ms", "2.5 min".
  [/(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|milliseconds?|µs|us|ns|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b/g, '<duration>'],
  // Parametrized ids a message quotes: test_login[admin-chrome-42].
  [/(\w)\[[^\]\s]+\]/g, '$1[<param>]'],
  // Any other number not part of a name (port=8080, Errno 111, 3 == 4; but not utf8, sha256 or test_2).
  [/(?<![A-Za-z_\d.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, '<n>'],
];

/** The first line that says something: pytest's message may start with an empty line or the `where` explanation may follow. */
function firstMeaningfulLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  );
}

/** Without a traceback: `KeyError: 'pen'` names its type; a rewritten assert (`assert 3 == 4`) is an AssertionError. */
function typeOfMessage(line: string): string | null {
  if (/^assert\b/.test(line)) return 'AssertionError';
  const prefix = /^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s|:?$)/.exec(line)?.[1];
  // A bare word (`Failed`) without a colon is a message, not a type, unless it looks like one.
  return prefix && (line.includes(':') || /(?:Error|Exception|Exit|Interrupt|Warning)$/.test(prefix)) ? prefix : null;
}

function withoutType(line: string, exceptionType: string | null): string {
  if (exceptionType && line.startsWith(exceptionType)) return line.slice(exceptionType.length).replace(/^:\s*/, '');
  return line;
}

/**
 * Python's own frames (the standard library, site-packages, a virtualenv) are not the repository's:
 * the innermost frame left is where the repository's code met the failure.
 */
export function innermostOwnFrame(frames: readonly TracebackFrame[], checkoutDir?: string): TracebackFrame | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const path = ownPath(frames[i]!.path, checkoutDir);
    if (path !== null) return { ...frames[i]!, path };
  }
  return null;
}

/** The frame's path relative to the checkout, or null when it is not the repository's code. */
function ownPath(path: string, checkoutDir?: string): string | null {
  let relative = path.replace(/\\/g, '/');
  const root = checkoutDir?.replace(/\\/g, '/').replace(/\/+$/, '');
  if (root && relative.startsWith(`${root}/`)) relative = relative.slice(root.length + 1);
  if (relative.startsWith('/') || /^[A-Za-z]:\//.test(relative) || relative.startsWith('../') || relative.startsWith('<')) return null;
  if (/(?:^|\/)(?:site-packages|dist-packages|\.?venv[^/]*|\.tox|\.nox|__pypackages__)\//.test(relative)) return null;
  return relative.replace(/^\.\//, '');
}
