/**
 * The standard 5-field cron expressions a run schedule accepts (minute hour day-of-month month
 * day-of-week; `*`, lists, ranges, steps, and month and weekday names). Temporal reads the
 * expression itself (it accepts more: seconds, years, `@daily`); this check keeps to the common
 * subset every crontab user knows, so that a typo is a 422 naming the field before any round trip
 * to Temporal, and what is stored reads the same in the Board, the CLI and the Temporal UI.
 * Note Temporal's one difference from Vixie cron: when both day-of-month and day-of-week are
 * restricted, a time must match both (AND), not either.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: WEEKDAYS },
];

/** A field's value as a number: digits, or a month or weekday name; null when it is neither or out of range. */
function valueOf(text: string, field: CronField): number | null {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.names === MONTHS ? named + 1 : named;
  if (!/^\d{1,2}$/.test(text)) return null;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : null;
}

/** Why one comma-separated item of a field (`*`, `5`, `1-5`, `*\/15`, `MON-FRI`, `10-50/10`) is wrong, or null. */
function itemProblem(item: string, field: CronField): string | null {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined || range === undefined || range === '') return `${field.name} item ${JSON.stringify(item)} is not a value, range or step`;
  if (step !== undefined && (!/^\d{1,2}$/.test(step) || Number(step) === 0)) return `${field.name} step ${JSON.stringify(step)} must be a positive whole number`;
  if (range === '*') return null;
  const [from, to, more] = range.split('-');
  const bounds = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}`;
  const start = valueOf(from ?? '', field);
  const end = to === undefined ? start : valueOf(to, field);
  if (more !== undefined || start === null || end === null) return `${field.name} ${JSON.stringify(range)} is out of range (${bounds})`;
  if (end < start) return `${field.name} range ${JSON.stringify(range)} ends before it starts`;
  return null;
}

/** Why `expression` is not a standard 5-field cron expression, or null. */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), found ${expression.trim() === '' ? 0 : fields.length}`;
  for (const [index, text] of fields.entries()) {
    const field = FIELDS[index]!;
    for (const item of text.split(',')) {
      const problem = itemProblem(item, field);
      if (problem) return problem;
    }
  }
  return null;
}

/** Why `zone` is not an IANA time zone name this runtime knows (and so Temporal's), or null. */
export function timezoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    // Intl also takes offsets such as +01:00, which are no IANA names and which Temporal refuses.
    return /^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(zone) ? null : `${JSON.stringify(zone)} is not an IANA time zone name such as Europe/Berlin`;
  } catch {
    return `${JSON.stringify(zone)} is not an IANA time zone name such as Europe/Berlin`;
  }
}
