
/** The checksum as a table shows it: `sha256:` and the first 12 hex digits, `—` without one. */
export function shortChecksum(checksum: string | null): string {
  if (!checksum) return '—';
  const [algorithm, hex] = checksum.includes(':') ? checksum.split(':', 2) : ['sha256', checksum];
  return `${algorithm}:${(hex ?? '').slice(0, 12)}`;
}

/**
 * The label the upload form proposes after `latest`: the next number of a `v3` or `3` label, and
 * `v1` for a dataset without versions. Any other label (a date, a semver) proposes nothing.
 */
export function nextVersionLabel(latest: string | null | undefined): string {
  if (!latest) return 'v1';
  const match = /^(v?)(\d+)$/.exec(latest);
  return match ? `${match[1]}${Number(match[2]) + 1}` : '';
}

/** The labels the API accepts for a version (api/src/datasets/schema.ts VERSION_LABEL). */
export const VERSION_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The stored file's name from the chosen file's: its extension tells the tests how to read it, so
 * it is kept; characters the API refuses in a file name become `_`. Undefined for a name with
 * nothing usable left, so that the API names the file from its Content-Type.
 */
export function uploadFileName(name: string): string | undefined {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 200);
  return safe === '' ? undefined : safe;
}

/** A value of an expectation's report as one line: strings as they are, the rest as JSON. */
export function reportValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** An expectation's arguments as `column=email, mostly=0.9`. */
export function kwargsLabel(kwargs: Record<string, unknown>): string {
  const entries = Object.entries(kwargs);
  return entries.length === 0 ? '—' : entries.map(([key, value]) => `${key}=${reportValue(value)}`).join(', ');
}
