/**
 * Between the environment and suite forms and the API's bodies: name → value rows as maps,
 * comma-separated lists, optional numbers and texts, and the fields an edit changed (a PUT sends only those,
 * so that a field someone else changed meanwhile is not overwritten with what the form loaded).
 */

/** One line of a variables or secret references editor. */
export interface MapRow {
  name: string;
  value: string;
}

export function rowsOf(map: Record<string, string>): MapRow[] {
  return Object.entries(map).map(([name, value]) => ({ name, value }));
}

/**
 * The map the rows spell, and why it is not what they say (or null): a name given twice would
 * silently keep one value, and the API cannot see that, so it is refused here. Blank lines are
 * left out; names and values are the server's to check.
 */
export function mapOf(rows: MapRow[], what: string): { map: Record<string, string>; problem: string | null } {
  const map: Record<string, string> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (!name && !row.value.trim()) continue;
    if (Object.hasOwn(map, name)) return { map, problem: `${what}: ${name || 'an empty name'} is given twice` };
    map[name] = row.value;
  }
  return { map, problem: null };
}

/** `tests/, features/` → `['tests/', 'features/']`. */
export function listOf(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** An optional number input (`''` when empty, a number from v-model.number) → the number or null. */
export function numberOrNull(value: string | number | null): number | null {
  return value === '' || value === null ? null : Number(value);
}

/** An optional text input → the trimmed text, or null when blank (the API's "not set"). */
export function textOrNull(value: string): string | null {
  const text = value.trim();
  return text === '' ? null : text;
}

/** Equal as JSON values, whatever the order of object keys. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => same(item, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
  }
  return false;
}

/** The fields of `body` whose value differs from `current`'s: what an edit sends. */
export function changedFields<T extends object>(current: T, body: Partial<T>): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(body) as (keyof T)[]) {
    if (!same(current[key], body[key])) changed[key] = body[key];
  }
  return changed;
}
