/**
 * qatron.yaml: the project, its environments and its suites as code (FR-CLI-02), read by
 * `qatron apply` and `qatron init --register`.
 *
 * The file is written in a small subset of YAML that this module parses itself, so the CLI stays
 * dependency-free and starts fast (a full YAML library would be the largest thing it loads), and so
 * every error can name the line it is on. The subset:
 *
 * - block mappings (`key: value`, `key:` followed by an indented block) with plain or quoted keys;
 * - block sequences (`- item`), of scalars or of mappings (`- name: smoke` then indented keys);
 * - scalars: plain, 'single-quoted' ('' for a quote) and "double-quoted" (\" \\ \n \t \uXXXX);
 *   `true`/`false`, `null`/`~`/nothing, integers and decimals are typed as YAML 1.2 does;
 * - flow `[]`, `{}` and one-line lists of scalars `[a, "b c"]`;
 * - comments (`#` at the start of a line or after a space) and an optional leading `---`.
 *
 * Anchors, aliases, tags, block scalars (`|`, `>`), non-empty flow mappings and several documents
 * are refused with an error that says so, rather than misread.
 */
import { readFile } from 'node:fs/promises';

/** The file `qatron apply` reads unless `--file` names another. */
export const PROJECT_FILE = 'qatron.yaml';

/**
 * A parsed value. (JSDoc cannot declare the recursive type, so nested values are `any`.)
 * @typedef {string | number | boolean | null | any[] | { [key: string]: any }} YamlValue
 */

/** @typedef {{ line: number, path: string, message: string }} Problem `line` 0: about the whole file */

/** A qatron.yaml that cannot be read or is invalid; every problem names its line. */
export class ProjectFileError extends Error {
  /**
   * @param {string} file the file name used in messages
   * @param {Problem[]} problems
   */
  constructor(file, problems) {
    super(problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
    this.name = 'ProjectFileError';
    this.file = file;
    this.problems = problems;
  }
}

/**
 * @typedef {object} ParsedYaml
 * @property {YamlValue} value the document
 * @property {Map<string, number>} lines line of every mapping key and sequence item, by path
 *   (`suites[1].shards`); the root is `''`
 */

/** @typedef {{ line: number, indent: number, text: string }} SourceLine */

/**
 * Parses `text` in the YAML subset described at the top of this module.
 * @param {string} text
 * @param {string} [file] the name used in error messages
 * @returns {ParsedYaml}
 * @throws {ProjectFileError} at the first syntax error
 */
export function parseYaml(text, file = PROJECT_FILE) {
  /** @type {SourceLine[]} */
  const lines = [];
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let seenContent = false;
  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1;
    const source = /** @type {string} */ (raw[i]);
    const indentMatch = /^[ \t]*/.exec(source);
    const leading = indentMatch ? indentMatch[0] : '';
    const body = stripComment(source.slice(leading.length), lineNo, file).trimEnd();
    if (body === '') continue;
    if (leading.includes('\t')) fail(file, lineNo, 'indent with spaces: YAML does not allow tabs for indentation');
    if (body === '---' && leading === '') {
      if (seenContent) fail(file, lineNo, 'only one YAML document is supported (remove the second ---)');
      continue;
    }
    if (body === '...' && leading === '') fail(file, lineNo, 'document end markers (...) are not supported');
    seenContent = true;
    lines.push({ line: lineNo, indent: leading.length, text: body });
  }
  const parser = new BlockParser(lines, file);
  /** @type {Map<string, number>} */
  const paths = new Map();
  if (lines.length === 0) return { value: null, lines: paths };
  const first = /** @type {SourceLine} */ (lines[0]);
  paths.set('', first.line);
  const value = parser.block(first.indent, '', paths);
  const rest = lines[parser.index];
  if (rest) fail(file, rest.line, rest.indent > first.indent ? 'unexpected indentation' : 'unexpected content after the document');
  return { value, lines: paths };
}

class BlockParser {
  /**
   * @param {SourceLine[]} lines
   * @param {string} file
   */
  constructor(lines, file) {
    this.lines = lines;
    this.file = file;
    this.index = 0;
  }

  /**
   * The block (mapping or sequence) whose first line is the current one, at `indent`.
   * @param {number} indent
   * @param {string} path
   * @param {Map<string, number>} paths
   * @returns {YamlValue}
   */
  block(indent, path, paths) {
    const first = /** @type {SourceLine} */ (this.lines[this.index]);
    if (isSequenceItem(first.text)) return this.sequence(indent, path, paths);
    if (splitKey(first.text, first.line, this.file) === null) {
      // A lone scalar as a block (e.g. the whole document is `hello`): allowed only on one line.
      this.index++;
      return scalar(first.text, first.line, this.file);
    }
    return this.mapping(indent, path, paths);
  }

  /**
   * @param {number} indent
   * @param {string} path
   * @param {Map<string, number>} paths
   * @returns {YamlValue[]}
   */
  sequence(indent, path, paths) {
    /** @type {YamlValue[]} */
    const items = [];
    for (let line = this.lines[this.index]; line && line.indent === indent && isSequenceItem(line.text); line = this.lines[this.index]) {
      const itemPath = `${path}[${items.length}]`;
      paths.set(itemPath, line.line);
      const rest = line.text.slice(1).replace(/^ +/, '');
      if (rest === '') {
        // `-` alone: the item is the indented block below (or null).
        this.index++;
        const next = this.lines[this.index];
        items.push(next && next.indent > indent ? this.block(next.indent, itemPath, paths) : null);
        continue;
      }
      if (isSequenceItem(rest) || splitKey(rest, line.line, this.file) !== null) {
        // `- key: value` / `- - x`: the item is a block that starts on this line, at the column
        // of its first character; rewrite the line as that block's first line.
        const column = indent + (line.text.length - rest.length);
        this.lines[this.index] = { line: line.line, indent: column, text: rest };
        items.push(this.block(column, itemPath, paths));
        continue;
      }
      this.index++;
      items.push(scalar(rest, line.line, this.file));
    }
    this.expectDedent(indent);
    return items;
  }

  /**
   * @param {number} indent
   * @param {string} path
   * @param {Map<string, number>} paths
   * @returns {{ [key: string]: YamlValue }}
   */
  mapping(indent, path, paths) {
    /** @type {{ [key: string]: YamlValue }} */
    const map = {};
    for (let line = this.lines[this.index]; line && line.indent === indent; line = this.lines[this.index]) {
      if (isSequenceItem(line.text)) fail(this.file, line.line, 'a list item where a key was expected (indent the list under its key)');
      const entry = splitKey(line.text, line.line, this.file);
      if (entry === null) fail(this.file, line.line, `expected "key: value", found ${JSON.stringify(line.text)}`);
      const [key, rest] = /** @type {[string, string]} */ (entry);
      const keyPath = path ? `${path}.${key}` : key;
      if (Object.hasOwn(map, key)) fail(this.file, line.line, `duplicate key ${JSON.stringify(key)} (first on line ${paths.get(keyPath)})`);
      paths.set(keyPath, line.line);
      this.index++;
      if (rest !== '') {
        map[key] = scalar(rest, line.line, this.file);
        continue;
      }
      const next = this.lines[this.index];
      if (next && next.indent > indent) map[key] = this.block(next.indent, keyPath, paths);
      // YAML allows a sequence under a key at the key's own indentation.
      else if (next && next.indent === indent && isSequenceItem(next.text)) map[key] = this.sequence(indent, keyPath, paths);
      else map[key] = null;
    }
    this.expectDedent(indent);
    return map;
  }

  /**
   * After a block at `indent`, the next line must close it (less indented); deeper is an error.
   * @param {number} indent
   */
  expectDedent(indent) {
    const next = this.lines[this.index];
    if (next && next.indent > indent) fail(this.file, next.line, 'unexpected indentation');
  }
}

/** @param {string} text */
function isSequenceItem(text) {
  return text === '-' || text.startsWith('- ');
}

/**
 * `[key, rest]` when `text` is a mapping entry (`key: rest` / `key:`), else null.
 * @param {string} text
 * @param {number} line
 * @param {string} file
 * @returns {[string, string] | null}
 */
function splitKey(text, line, file) {
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text, 0);
    if (end < 0) return null;
    const after = text.slice(end + 1);
    if (!/^:( |$)/.test(after)) return null;
    return [/** @type {string} */ (scalar(text.slice(0, end + 1), line, file)) + '', after.slice(1).trim()];
  }
  if (text.startsWith('[') || text.startsWith('{')) return null;
  if (text.startsWith('? ')) fail(file, line, 'complex keys (?) are not supported');
  // The key ends at the first ":" followed by a space or the end of the line, so URLs
  // (`http://host`) stay plain values.
  const match = /^(.*?):(?: |$)/.exec(text);
  if (!match) return null;
  const key = /** @type {string} */ (match[1]).trim();
  if (key === '') fail(file, line, 'empty key');
  return [key, text.slice(match[0].length).trim()];
}

/**
 * The index of the quote that closes the quoted scalar starting at `start`, or -1.
 * @param {string} text
 * @param {number} start
 */
function quotedEnd(text, start) {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

/**
 * `text` without its comment: a `#` at the start or after whitespace, outside quotes.
 * @param {string} text
 * @param {number} line
 * @param {string} file
 */
function stripComment(text, line, file) {
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '#' && (i === 0 || /\s/.test(/** @type {string} */ (text[i - 1])))) return text.slice(0, i);
    // A quote opens a quoted scalar only where one may start: at the beginning of a value.
    if ((char === '"' || char === "'") && (i === 0 || /[\s[,:-]/.test(/** @type {string} */ (text[i - 1])))) {
      const end = quotedEnd(text, i);
      if (end < 0) fail(file, line, `unterminated ${char === '"' ? 'double' : 'single'}-quoted string (strings must fit on one line)`);
      i = end;
    }
  }
  return text;
}

const ESCAPES = /** @type {Record<string, string>} */ ({ '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0' });

/**
 * The value of a one-line scalar (or flow `[]`/`{}`/`[a, b]`).
 * @param {string} text
 * @param {number} line
 * @param {string} file
 * @returns {YamlValue}
 */
function scalar(text, line, file) {
  const value = text.trim();
  if (value.startsWith('"')) {
    const end = quotedEnd(value, 0);
    if (end !== value.length - 1) fail(file, line, 'unexpected text after the closing quote');
    return value.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escape) => {
      if (escape.length === 5) return String.fromCharCode(parseInt(escape.slice(1), 16));
      if (!(escape in ESCAPES)) fail(file, line, `unknown escape \\${escape} in a double-quoted string`);
      return /** @type {string} */ (ESCAPES[escape]);
    });
  }
  if (value.startsWith("'")) {
    const end = quotedEnd(value, 0);
    if (end !== value.length - 1) fail(file, line, 'unexpected text after the closing quote');
    return value.slice(1, -1).replace(/''/g, "'");
  }
  if (value.startsWith('[')) return flowSequence(value, line, file);
  if (value === '{}') return {};
  if (value.startsWith('{')) fail(file, line, 'flow mappings ({a: b}) are not supported: write the keys on their own indented lines');
  if (/^[&*!]/.test(value)) fail(file, line, 'anchors (&), aliases (*) and tags (!) are not supported');
  if (/^[|>]/.test(value)) fail(file, line, 'block scalars (| and >) are not supported: write the string on one line, in quotes if needed');
  if (/^[@`%]/.test(value)) fail(file, line, `a plain value cannot start with ${value[0]}: put it in quotes`);
  if (/: |:$/.test(value)) fail(file, line, 'a plain value cannot contain ": " (put it in quotes, or indent a nested mapping on the next line)');
  if (value === '' || value === '~' || value === 'null' || value === 'Null' || value === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  if (/^[-+]?[0-9]+$/.test(value)) return Number(value);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(value)) return Number(value);
  return value;
}

/**
 * `[a, "b", 3]`: a one-line sequence of scalars.
 * @param {string} text
 * @param {number} line
 * @param {string} file
 * @returns {YamlValue[]}
 */
function flowSequence(text, line, file) {
  if (!text.endsWith(']')) fail(file, line, 'a flow list must close with ] on the same line');
  const inner = text.slice(1, -1).trim();
  /** @type {YamlValue[]} */
  const items = [];
  if (inner === '') return items;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const char = inner[i];
    if (char === '"' || char === "'") {
      const end = quotedEnd(inner, i);
      if (end < 0) fail(file, line, 'unterminated string in a flow list');
      i = end;
    } else if (char === '[' || char === '{') {
      fail(file, line, 'nested flow collections are not supported: use an indented block');
    } else if (char === ',' || i === inner.length) {
      const item = inner.slice(start, i).trim();
      if (item === '') fail(file, line, 'empty item in a flow list');
      items.push(scalar(item, line, file));
      start = i + 1;
    }
  }
  return items;
}

/**
 * @param {string} file
 * @param {number} line
 * @param {string} message
 * @returns {never}
 */
function fail(file, line, message) {
  throw new ProjectFileError(file, [{ line, path: '', message }]);
}

// ---------------------------------------------------------------------------------------------
// The qatron.yaml schema. It mirrors the API's create/update schemas (api/src/projects|
// environments|suites/schema.ts) closely enough that a file that validates here is accepted by the
// server, with the key and line in the message instead of a field name in a 422.

/** Environment kinds (domain ENVIRONMENT_KINDS); each sets a default retention (PRD 13.1). */
export const ENVIRONMENT_KINDS = /** @type {const} */ (['development', 'staging', 'production']);
/** Suite layers (domain SUITE_LAYERS). */
export const SUITE_LAYERS = /** @type {const} */ (['unit', 'contract', 'integration', 'e2e']);
/** Repository authentication methods (domain AUTH_METHODS). */
export const AUTH_METHODS = /** @type {const} */ (['none', 'token', 'ssh']);
/** Upper bound on a suite's shards (domain MAX_SHARDS). */
export const MAX_SHARDS = 64;

/**
 * The host of the placeholder repository URL that `qatron init` writes: apply refuses it, since a
 * project registered with it could never be cloned.
 */
export const PLACEHOLDER_REPO_HOST = 'git.example.com';

/**
 * @typedef {object} ProjectSpec
 * @property {string} name
 * @property {string} [description]
 * @property {string} repo_url
 * @property {string} [default_branch]
 * @property {'none'|'token'|'ssh'} [auth_method]
 * @property {string|null} [secret_ref]
 */

/**
 * @typedef {object} EnvironmentSpec
 * @property {string} name
 * @property {'development'|'staging'|'production'} kind
 * @property {string|null} [base_url]
 * @property {Record<string, string>} [variables]
 * @property {Record<string, string>} [secret_refs]
 * @property {number|null} [retention_days]
 */

/**
 * @typedef {object} SuiteSpec
 * @property {string} name
 * @property {string} [description]
 * @property {'unit'|'contract'|'integration'|'e2e'} [layer]
 * @property {string} [markers]
 * @property {string} [keywords]
 * @property {string[]} [paths]
 * @property {number} [shards]
 * @property {number} [workers_per_shard]
 * @property {number} [retries]
 * @property {number} [timeout_seconds]
 * @property {boolean} [coverage] false: no coverage is measured, and no threshold is allowed
 * @property {number|null} [coverage_threshold]
 * @property {boolean} [allow_empty] a selection of no test completes the run instead of failing it
 * @property {string|null} [install_command] e.g. `pip install -e .[test]`; null: requirements files and pyproject.toml
 * @property {string|null} [python_version] e.g. `3.12`; null: the newest the worker has that requires-python allows
 * @property {boolean} [require_dataset_health]
 */

/**
 * A validated qatron.yaml. Keys the file leaves out are absent (undefined): apply neither sends
 * nor compares them, so the server keeps their current value (or its default on creation).
 * @typedef {object} ProjectFile
 * @property {ProjectSpec} project
 * @property {EnvironmentSpec[]} environments
 * @property {SuiteSpec[]} suites
 * @property {Map<string, number>} lines line of each key, by path (for messages after validation)
 */

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const SECRET_REF_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** A Python 3 minor version (the API's python_version rule). */
const PYTHON_VERSION = /^3\.\d{1,2}$/;

/**
 * Collects problems while a document is checked, each with the line of the key it is about.
 */
class Checker {
  /**
   * @param {Map<string, number>} lines
   */
  constructor(lines) {
    this.lines = lines;
    /** @type {Problem[]} */
    this.problems = [];
  }

  /**
   * @param {string} path the key the problem is about
   * @param {string} message
   * @param {string} [at] the key whose line to report, when not `path` itself
   */
  problem(path, message, at = path) {
    // A missing key is reported on the line of its parent (the list item or mapping).
    let line = this.lines.get(at);
    for (let parent = at; line === undefined && parent !== ''; ) {
      const up = parent.replace(/(\.[^.[]*|\[\d+\])$/, '');
      parent = up === parent ? '' : up;
      line = this.lines.get(parent);
    }
    this.problems.push({ line: line ?? 1, path, message });
  }

  /**
   * The mapping at `path`, with unknown keys reported; null (and a problem) when it is not one.
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @param {readonly string[]} known
   * @returns {{ [key: string]: YamlValue } | null}
   */
  mapping(value, path, known) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, 'must be a mapping of keys to values');
      return null;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.problem(join(path, key), `unknown key (expected one of: ${known.join(', ')})`);
    }
    return value;
  }

  /**
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @param {{ required?: boolean, max?: number, allowEmpty?: boolean, oneLine?: boolean }} [rules]
   * @returns {string | undefined}
   */
  string(value, path, rules = {}) {
    if (value === undefined || value === null) {
      if (rules.required) this.problem(path, 'is required');
      return undefined;
    }
    // Plain numbers and booleans are accepted where text is meant (`default_branch: 2024`).
    if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
    if (typeof value !== 'string') {
      this.problem(path, 'must be a string');
      return undefined;
    }
    const text = value.trim();
    if (!text && !rules.allowEmpty) {
      this.problem(path, 'must not be empty');
      return undefined;
    }
    if (rules.max !== undefined && text.length > rules.max) this.problem(path, `must be at most ${rules.max} characters`);
    if (rules.oneLine && CONTROL_CHARACTERS.test(text)) this.problem(path, 'must not contain line breaks or control characters');
    return text;
  }

  /**
   * @template {string} T
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @param {readonly T[]} allowed
   * @returns {T | undefined}
   */
  oneOf(value, path, allowed) {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !allowed.includes(/** @type {T} */ (value))) {
      this.problem(path, `must be one of: ${allowed.join(', ')}`);
      return undefined;
    }
    return /** @type {T} */ (value);
  }

  /**
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @param {{ min: number, max: number, integer?: boolean, nullable?: boolean }} rules
   * @returns {number | null | undefined}
   */
  number(value, path, rules) {
    if (value === undefined) return undefined;
    if (value === null && rules.nullable) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(path, rules.integer ? 'must be a whole number' : 'must be a number');
      return undefined;
    }
    if (rules.integer && !Number.isInteger(value)) this.problem(path, 'must be a whole number');
    else if (value < rules.min) this.problem(path, `must be at least ${rules.min}`);
    else if (value > rules.max) this.problem(path, `must be at most ${rules.max}`);
    else return value;
    return undefined;
  }

  /**
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @returns {boolean | undefined}
   */
  boolean(value, path) {
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    this.problem(path, 'must be true or false');
    return undefined;
  }

  /**
   * A map of environment variable names to strings (`variables`, `secret_refs`).
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @param {(value: string) => string | null} valueProblem why a value is invalid, or null
   * @returns {Record<string, string> | undefined}
   */
  variableMap(value, path, valueProblem) {
    if (value === undefined) return undefined;
    if (value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, 'must be a mapping of variable names to values');
      return undefined;
    }
    /** @type {Record<string, string>} */
    const map = {};
    for (const [key, item] of Object.entries(value)) {
      const itemPath = join(path, key);
      if (!ENV_VAR_NAME.test(key)) this.problem(itemPath, 'must be an environment variable name: a letter or _ first, then letters, digits or _');
      if (item === null || typeof item === 'object') {
        this.problem(itemPath, 'must be a single value');
        continue;
      }
      const text = String(item);
      const problem = valueProblem(text);
      if (problem) this.problem(itemPath, problem);
      map[key] = text;
    }
    if (Object.keys(map).length > 200) this.problem(path, 'must have at most 200 entries');
    return map;
  }

  /**
   * @param {YamlValue | undefined} value
   * @param {string} path
   * @returns {YamlValue[]}
   */
  list(value, path) {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(path, 'must be a list');
      return [];
    }
    return value;
  }
}

/**
 * @param {string} path
 * @param {string} key
 */
function join(path, key) {
  return path ? `${path}.${key}` : key;
}

const PROJECT_KEYS = ['name', 'description', 'repo_url', 'default_branch', 'auth_method', 'secret_ref'];
const ENVIRONMENT_KEYS = ['name', 'kind', 'base_url', 'variables', 'secret_refs', 'retention_days'];
const SUITE_KEYS = [
  'name', 'description', 'layer', 'markers', 'keywords', 'paths', 'shards', 'workers_per_shard', 'retries', 'timeout_seconds',
  'coverage', 'coverage_threshold', 'allow_empty', 'install_command', 'python_version', 'require_dataset_health',
];

/**
 * Parses and validates the text of a qatron.yaml.
 * @param {string} text
 * @param {string} [file] the name used in error messages
 * @returns {ProjectFile}
 * @throws {ProjectFileError} listing every problem found, each with its line
 */
export function parseProjectFile(text, file = PROJECT_FILE) {
  const { value, lines } = parseYaml(text, file);
  const check = new Checker(lines);
  const root = check.mapping(value ?? {}, '', ['project', 'environments', 'suites']);
  if (!root) throw new ProjectFileError(file, check.problems);

  /** @type {ProjectSpec} */
  const project = { name: '', repo_url: '' };
  if (root.project === undefined) check.problem('project', 'is required');
  else {
    const p = check.mapping(root.project, 'project', PROJECT_KEYS);
    if (p) {
      project.name = check.string(p.name, 'project.name', { required: true, max: 200, oneLine: true }) ?? '';
      assign(project, 'description', check.string(p.description, 'project.description', { max: 10_000, allowEmpty: true }));
      project.repo_url = check.string(p.repo_url, 'project.repo_url', { required: true, max: 2000, oneLine: true }) ?? '';
      if (project.repo_url.includes(PLACEHOLDER_REPO_HOST)) {
        check.problem('project.repo_url', "is still the placeholder from `qatron init`: set it to your test repository's clone URL");
      }
      assign(project, 'default_branch', check.string(p.default_branch, 'project.default_branch', { max: 255, oneLine: true }));
      assign(project, 'auth_method', check.oneOf(p.auth_method, 'project.auth_method', AUTH_METHODS));
      if (p.secret_ref === null) project.secret_ref = null;
      else {
        const secretRef = check.string(p.secret_ref, 'project.secret_ref', { max: 255 });
        if (secretRef !== undefined && !SECRET_REF_NAME.test(secretRef)) check.problem('project.secret_ref', 'must be a secret name: a letter or _ first, then letters, digits, _ . or -');
        assign(project, 'secret_ref', secretRef);
      }
      const method = project.auth_method;
      if ((method === 'token' || method === 'ssh') && !project.secret_ref) check.problem('project.secret_ref', `is required when auth_method is ${method}`, 'project.auth_method');
    }
  }

  /** @type {EnvironmentSpec[]} */
  const environments = [];
  /** @type {Map<string, string>} */
  const environmentNames = new Map();
  check.list(root.environments, 'environments').forEach((item, index) => {
    const path = `environments[${index}]`;
    const e = check.mapping(item, path, ENVIRONMENT_KEYS);
    if (!e) return;
    const name = check.string(e.name, `${path}.name`, { required: true, max: 100, oneLine: true });
    if (name === undefined) return;
    duplicate(check, environmentNames, name, `${path}.name`, 'environment');
    // The kind defaults to the name when the name is a kind: `- name: staging` is enough.
    const kind = e.kind === undefined && ENVIRONMENT_KINDS.includes(/** @type {any} */ (name)) ? /** @type {EnvironmentSpec['kind']} */ (name) : check.oneOf(e.kind, `${path}.kind`, ENVIRONMENT_KINDS);
    if (e.kind === undefined && kind === undefined) check.problem(`${path}.kind`, `is required (one of: ${ENVIRONMENT_KINDS.join(', ')}) when the name is not a kind`);
    /** @type {EnvironmentSpec} */
    const environment = { name, kind: kind ?? 'development' };
    if (e.base_url === null) environment.base_url = null;
    else {
      const baseUrl = check.string(e.base_url, `${path}.base_url`, { max: 2000 });
      if (baseUrl !== undefined) {
        const problem = baseUrlProblem(baseUrl);
        if (problem) check.problem(`${path}.base_url`, problem);
        environment.base_url = baseUrl;
      }
    }
    assign(environment, 'variables', check.variableMap(e.variables, `${path}.variables`, (text) => (text.length > 10_000 ? 'must be at most 10000 characters' : null)));
    assign(environment, 'secret_refs', check.variableMap(e.secret_refs, `${path}.secret_refs`, (text) =>
        SECRET_REF_NAME.test(text) ? null : 'must be the NAME of a secret (a letter or _ first, then letters, digits, _ . or -), never its value',
      ));
    assign(environment, 'retention_days', check.number(e.retention_days, `${path}.retention_days`, { min: 1, max: 3650, integer: true, nullable: true }));
    environments.push(environment);
  });

  /** @type {SuiteSpec[]} */
  const suites = [];
  /** @type {Map<string, string>} */
  const suiteNames = new Map();
  check.list(root.suites, 'suites').forEach((item, index) => {
    const path = `suites[${index}]`;
    const s = check.mapping(item, path, SUITE_KEYS);
    if (!s) return;
    const name = check.string(s.name, `${path}.name`, { required: true, max: 100, oneLine: true });
    if (name === undefined) return;
    duplicate(check, suiteNames, name, `${path}.name`, 'suite');
    /** @type {SuiteSpec} */
    const suite = { name };
    assign(suite, 'description', check.string(s.description, `${path}.description`, { max: 10_000, allowEmpty: true }));
    assign(suite, 'layer', check.oneOf(s.layer, `${path}.layer`, SUITE_LAYERS));
    for (const key of /** @type {const} */ (['markers', 'keywords'])) {
      const expression = check.string(s[key], `${path}.${key}`, { max: 1000, allowEmpty: true, oneLine: true });
      if (expression !== undefined && !balanced(expression)) check.problem(`${path}.${key}`, 'has unbalanced parentheses');
      assign(suite, key, expression);
    }
    if (s.paths !== undefined) {
      suite.paths = [];
      check.list(s.paths, `${path}.paths`).forEach((entry, i) => {
        const text = check.string(entry, `${path}.paths[${i}]`, { required: true, max: 1000, oneLine: true });
        if (text === undefined) return;
        const problem = testPathProblem(text);
        if (problem) check.problem(`${path}.paths[${i}]`, problem);
        /** @type {string[]} */ (suite.paths).push(text);
      });
      if (suite.paths.length > 100) check.problem(`${path}.paths`, 'must have at most 100 entries');
    }
    /** @type {(key: 'shards' | 'workers_per_shard' | 'retries' | 'timeout_seconds', min: number, max: number) => void} */
    const count = (key, min, max) => assign(suite, key, /** @type {number | undefined} */ (check.number(s[key], `${path}.${key}`, { min, max, integer: true })));
    count('shards', 1, MAX_SHARDS);
    count('workers_per_shard', 0, 32);
    count('retries', 0, 10);
    count('timeout_seconds', 1, 86_400);
    checkRunSettings(check, s, path, suite);
    assign(suite, 'require_dataset_health', check.boolean(s.require_dataset_health, `${path}.require_dataset_health`));
    suites.push(suite);
  });

  if (check.problems.length > 0) {
    check.problems.sort((a, b) => a.line - b.line);
    throw new ProjectFileError(file, check.problems);
  }
  return { project, environments, suites, lines };
}

/**
 * A suite's coverage, empty-selection, install and Python settings, from `s` into `suite`.
 * `coverage: false` with no `coverage_threshold` sets the threshold to null: the API refuses a
 * threshold on a suite without coverage, so one left on the server from before would fail the apply.
 * @param {Checker} check
 * @param {{ [key: string]: YamlValue }} s the suite's mapping in the file
 * @param {string} path
 * @param {SuiteSpec} suite
 */
function checkRunSettings(check, s, path, suite) {
  assign(suite, 'coverage', check.boolean(s.coverage, `${path}.coverage`));
  assign(suite, 'coverage_threshold', check.number(s.coverage_threshold, `${path}.coverage_threshold`, { min: 0, max: 100, nullable: true }));
  if (suite.coverage === false) {
    if (typeof suite.coverage_threshold === 'number') check.problem(`${path}.coverage_threshold`, 'needs coverage: true (a suite that does not measure coverage cannot have a threshold)');
    else suite.coverage_threshold = null;
  }
  assign(suite, 'allow_empty', check.boolean(s.allow_empty, `${path}.allow_empty`));
  if (s.install_command === null) suite.install_command = null;
  else assign(suite, 'install_command', check.string(s.install_command, `${path}.install_command`, { max: 1000, oneLine: true }));
  if (s.python_version === null) suite.python_version = null;
  else if (typeof s.python_version === 'number') {
    // YAML reads an unquoted 3.10 as the number 3.1: only the quoted text is the version meant.
    check.problem(`${path}.python_version`, `must be in quotes, e.g. "3.12" (unquoted, YAML reads 3.10 as the number 3.1)`);
  } else {
    const version = check.string(s.python_version, `${path}.python_version`, {});
    if (version !== undefined && !PYTHON_VERSION.test(version)) check.problem(`${path}.python_version`, 'must be a Python 3 minor version such as "3.12"');
    assign(suite, 'python_version', version);
  }
}

/**
 * Reads and validates the qatron.yaml at `path`.
 * @param {string} path
 * @returns {Promise<ProjectFile>}
 * @throws {ProjectFileError} when it cannot be read or is invalid
 */
export async function readProjectFile(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    const message = code === 'ENOENT' ? 'not found (run `qatron init` to create one, or pass --file)' : `cannot be read: ${/** @type {Error} */ (error).message}`;
    throw new ProjectFileError(path, [{ line: 0, path: '', message }]);
  }
  return parseProjectFile(text, path);
}

/**
 * Sets `target[key]` only when `value` is defined, so that absent keys stay absent.
 * @template {object} T
 * @template {keyof T} K
 * @param {T} target
 * @param {K} key
 * @param {T[K] | undefined} value
 */
function assign(target, key, value) {
  if (value !== undefined) target[key] = value;
}

/**
 * @param {Checker} check
 * @param {Map<string, string>} seen name → path of its first use
 * @param {string} name
 * @param {string} path
 * @param {string} what
 */
function duplicate(check, seen, name, path, what) {
  const first = seen.get(name);
  if (first !== undefined) check.problem(path, `duplicate ${what} name ${JSON.stringify(name)} (first on line ${check.lines.get(first)})`);
  else seen.set(name, path);
}

/** @param {string} expression */
function balanced(expression) {
  let depth = 0;
  for (const char of expression) {
    if (char === '(') depth++;
    else if (char === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Why `value` is not a repository-relative test path (the API's suitePathProblem), or null.
 * @param {string} value
 */
function testPathProblem(value) {
  const file = value.split('::')[0] ?? '';
  if (file.startsWith('-')) return 'must not start with -';
  if (file.startsWith('/') || file.startsWith('~') || /^[A-Za-z]:/.test(file)) return 'must be relative to the repository root';
  if (file.includes('\\')) return 'must use / as the separator';
  if (file.split('/').includes('..')) return 'must not contain .. segments';
  return null;
}

/**
 * Why `value` is not an acceptable base URL (the API's rule), or null.
 * @param {string} value
 */
function baseUrlProblem(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not contain credentials: reference them in secret_refs';
  return null;
}
