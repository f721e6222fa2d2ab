import { UsageError } from './errors.js';

export const OUTPUT_FORMATS = /** @type {const} */ (['table', 'json', 'yaml']);
/** @typedef {(typeof OUTPUT_FORMATS)[number]} OutputFormat */

/**
 * A column of a table, or a field of a single object: a key of the row, or a header and a value
 * computed from the row. Only `table` output uses columns; json and yaml print the data whole.
 * @typedef {string | { key?: string, header?: string, value?: (row: any) => unknown }} Column
 */

/**
 * @param {string | undefined} value
 * @returns {OutputFormat}
 */
export function parseOutputFormat(value) {
  if (value === undefined) return 'table';
  const format = /** @type {OutputFormat} */ (value.toLowerCase());
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, not "${value}"`);
  return format;
}

/**
 * Formats what commands fetched (STYLE 12: formatting is separate from fetching).
 */
export class Output {
  /**
   * @param {OutputFormat} format
   * @param {{ write(chunk: string): unknown }} stdout
   * @param {{ write(chunk: string): unknown }} stderr
   */
  constructor(format, stdout, stderr) {
    this.format = format;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** True for `--output json|yaml`: human-only lines go to stderr then. */
  get structured() {
    return this.format !== 'table';
  }

  /**
   * Prints a list (as a table) or one object (as `FIELD  value` lines) in the chosen format.
   * @param {unknown} data
   * @param {{ columns?: Column[] }} [options]
   */
  print(data, options = {}) {
    this.stdout.write(format(data, this.format, options.columns));
  }

  /**
   * A line for people: on stdout in table mode, on stderr with json/yaml so stdout stays parseable.
   * @param {string} text
   */
  note(text) {
    (this.structured ? this.stderr : this.stdout).write(`${text}\n`);
  }
}

/**
 * @param {unknown} data
 * @param {OutputFormat} outputFormat
 * @param {Column[]} [columns]
 * @returns {string}
 */
export function format(data, outputFormat, columns) {
  if (outputFormat === 'json') return `${JSON.stringify(data ?? null, null, 2)}\n`;
  if (outputFormat === 'yaml') return toYaml(data);
  if (Array.isArray(data)) return formatTable(data, columns ?? columnsOf(data));
  if (data !== null && typeof data === 'object') return formatFields(data, columns ?? Object.keys(data));
  return `${cell(data)}\n`;
}

/** @param {unknown[]} rows */
function columnsOf(rows) {
  const first = rows.find((row) => row !== null && typeof row === 'object');
  return first ? Object.keys(first) : ['value'];
}

/**
 * @param {Column} column
 * @returns {{ header: string, value: (row: any) => unknown }}
 */
function resolveColumn(column) {
  if (typeof column === 'string') return { header: headerOf(column), value: (row) => row?.[column] };
  const key = column.key;
  return {
    header: column.header ?? headerOf(key ?? ''),
    value: column.value ?? ((row) => (key === undefined ? undefined : row?.[key])),
  };
}

/** @param {string} key */
function headerOf(key) {
  return key.replace(/_/g, ' ').toUpperCase();
}

/**
 * A table cell: one line, `-` for nothing.
 * @param {unknown} value
 * @returns {string}
 */
export function cell(value) {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : '-';
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ') : '-';
  }
  return String(value).replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * Columns padded to their widest cell, two spaces apart; the last column is not padded.
 * @param {unknown[]} rows
 * @param {Column[]} columns
 */
export function formatTable(rows, columns) {
  const resolved = columns.map(resolveColumn);
  const lines = [resolved.map((c) => c.header), ...rows.map((row) => resolved.map((c) => cell(c.value(row))))];
  const widths = resolved.map((_c, i) => Math.max(...lines.map((line) => displayWidth(line[i] ?? ''))));
  return lines
    .map((line) =>
      line
        .map((text, i) => (i === line.length - 1 ? text : text + ' '.repeat((widths[i] ?? 0) - displayWidth(text))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n') + '\n';
}

/**
 * One object as `FIELD  value` lines.
 * @param {object} data
 * @param {Column[]} columns
 */
function formatFields(data, columns) {
  const resolved = columns.map(resolveColumn);
  const width = Math.max(0, ...resolved.map((c) => c.header.length));
  return resolved.map((c) => `${c.header.padEnd(width)}  ${cell(c.value(data))}`.trimEnd()).join('\n') + '\n';
}

/** @param {string} text */
function displayWidth(text) {
  return [...text].length;
}

// --- YAML (a small emitter for plain JSON data: maps, lists, strings, numbers, booleans, null) ---

const YAML_PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./ ()+-]*$/;
const YAML_RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\.inf|\.nan)|[-+]?[0-9][0-9_.eE+:-]*|0x[0-9a-fA-F]+|0o[0-7]+)$/i;

/**
 * A YAML 1.2 document for JSON data. Strings that could be read as anything but themselves are
 * written double-quoted (JSON string syntax is valid YAML).
 * @param {unknown} data
 * @returns {string}
 */
export function toYaml(data) {
  const lines = yamlNode(data, 0);
  return `${lines.join('\n')}\n`;
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function yamlScalar(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? '.inf' : value < 0 ? '-.inf' : '.nan';
  if (typeof value === 'boolean') return String(value);
  const text = String(value);
  if (text !== text.trim() || !YAML_PLAIN.test(text) || YAML_RESERVED.test(text)) return JSON.stringify(text);
  return text;
}

/** @param {unknown} value */
function isCollection(value) {
  return value !== null && typeof value === 'object' && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
}

/**
 * @param {unknown} value
 * @param {number} indent
 * @returns {string[]}
 */
function yamlNode(value, indent) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (!isCollection(item)) return [`${pad}- ${yamlInline(item)}`];
      const nested = yamlNode(item, indent + 2);
      // The first line of the nested block moves up beside the dash.
      return [`${pad}- ${(nested[0] ?? '').slice(indent + 2)}`, ...nested.slice(1)];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, item]) => {
      const name = yamlScalar(key);
      if (!isCollection(item)) return [`${pad}${name}: ${yamlInline(item)}`];
      return [`${pad}${name}:`, ...yamlNode(item, Array.isArray(item) ? indent : indent + 2)];
    });
  }
  return [`${pad}${yamlScalar(value)}`];
}

/** @param {unknown} value */
function yamlInline(value) {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return yamlScalar(value);
}
