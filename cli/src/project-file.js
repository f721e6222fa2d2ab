/**
 * qatron.yaml: the project, its environments and its suites as code (FR-CLI-02), read by
 * `qatron apply` and `qatron init --register`.
 *
 * The file is read by the `yaml` package (YAML 1.2, core schema), so anything YAML allows is read
 * as every other YAML tool reads it. This module adds what a person fixing the file needs: every
 * syntax error and every invalid key is reported with its line, in words about the file rather
 * than about the parser, and one file holds one document.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';

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

/** @typedef {import('yaml').YAMLError} YamlError */
/** @typedef {import('yaml').ParsedNode} ParsedNode */

/**
 * Parses `text` as one YAML document and records the line of every key and list item.
 * @param {string} text
 * @param {string} [file] the name used in error messages
 * @returns {ParsedYaml}
 * @throws {ProjectFileError} at the first syntax error
 */
export function parseYaml(text, file = PROJECT_FILE) {
  const lineCounter = new LineCounter();
  // Duplicate keys are found while the lines are recorded, where the first one's line is known.
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: false });
  const lineOf = (/** @type {number} */ offset) => lineCounter.linePos(offset).line;
  const syntaxError = firstSyntaxError(document, text, lineOf);
  if (syntaxError) fail(file, syntaxError.line, syntaxError.message);
  /** @type {Map<string, number>} */
  const lines = new Map();
  const root = document.contents;
  if (root === null) return { value: null, lines };
  recordLines(root, '', lineOf(nodeStart(root)), { lines, lineOf, file });
  return { value: document.toJS(), lines };
}

/**
 * The error to report of those the parser found (unresolved tags included): the earliest, in the
 * file's words.
 * @param {import('yaml').Document.Parsed} document
 * @param {string} text
 * @param {(offset: number) => number} lineOf
 * @returns {{ line: number, message: string } | null}
 */
function firstSyntaxError(document, text, lineOf) {
  const errors = [...document.errors, ...document.warnings];
  if (errors.length === 0) return null;
  const start = Math.min(...errors.map((e) => e.pos[0]));
  const atStart = errors.filter((e) => e.pos[0] === start);
  // A line indented deeper than its siblings makes the value above it a multi-line key.
  const deeper = atStart.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY' && lineOf(e.pos[1]) > lineOf(e.pos[0]));
  if (deeper) return { line: lineOf(deeper.pos[1]), message: 'unexpected indentation' };
  const error = /** @type {YamlError} */ (atStart[0]);
  // The parser notices a missing closing quote at the end of the file; the string opened earlier.
  const unterminated = error.code === 'MISSING_CHAR' && /closing ["']/.test(error.message);
  return { line: lineOf(unterminated ? lastQuoteBefore(document, error.pos[0]) : error.pos[0]), message: describeSyntaxError(error, text) };
}

/**
 * Where the last quoted string that starts before `offset` opens.
 * @param {import('yaml').Document.Parsed} document
 * @param {number} offset
 */
function lastQuoteBefore(document, offset) {
  let start = -1;
  visit(document, {
    Scalar(_key, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && node.range && node.range[0] <= offset) start = Math.max(start, node.range[0]);
    },
  });
  return start < 0 ? offset : start;
}

/**
 * What is wrong, in words about the file; the parser's own message where no better one is known.
 * @param {YamlError} error
 * @param {string} text
 */
function describeSyntaxError(error, text) {
  const source = text.slice(error.pos[0], error.pos[1]);
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces: YAML does not allow tabs for indentation';
    case 'MULTIPLE_DOCS':
      return 'only one YAML document is supported (remove the second ---)';
    case 'BAD_DQ_ESCAPE':
      return `unknown escape ${/escape sequence (\S+)/.exec(error.message)?.[1] ?? source} in a double-quoted string`;
    case 'BAD_SCALAR_START':
      return `a plain value cannot start with ${source.trim()[0] ?? ''}: put it in quotes`;
    case 'BLOCK_AS_IMPLICIT_KEY':
      return error.message.startsWith('A block sequence')
        ? 'a list item where a key was expected (indent the list under its key)'
        : 'a plain value cannot contain ": " (put it in quotes, or indent a nested mapping on the next line)';
    case 'MISSING_CHAR':
      if (/closing "/.test(error.message)) return 'unterminated double-quoted string (no closing " before the end of the file)';
      if (/closing '/.test(error.message)) return "unterminated single-quoted string (no closing ' before the end of the file)";
      if (error.message.startsWith('Implicit map keys')) return `expected "key: value", found ${JSON.stringify(source.trim())}`;
      break;
    case 'UNEXPECTED_TOKEN':
      if (error.message.startsWith('Unexpected scalar at node end')) return 'unexpected text after the value (put the whole value in quotes)';
  }
  if (error.message.startsWith('Sequence item without - indicator')) return 'unexpected indentation';
  return error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
}

/**
 * @typedef {object} LineRecord
 * @property {Map<string, number>} lines
 * @property {(offset: number) => number} lineOf
 * @property {string} file
 */

/**
 * Records the line of `node` at `path` and of everything under it; refuses duplicate and
 * non-scalar keys (an object key would be the collection's text).
 * @param {ParsedNode} node
 * @param {string} path
 * @param {number} line where the key or the list item's `-` is
 * @param {LineRecord} record
 */
function recordLines(node, path, line, record) {
  record.lines.set(path, line);
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key;
      const keyLine = record.lineOf(key ? nodeStart(key) : nodeStart(node));
      if (key === null || (isScalar(key) && (key.value === null || key.value === ''))) fail(record.file, keyLine, 'empty key');
      if (!isScalar(key)) fail(record.file, keyLine, 'a key must be a plain or quoted string');
      const name = String(key.value);
      const keyPath = path ? `${path}.${name}` : name;
      const first = record.lines.get(keyPath);
      if (first !== undefined) fail(record.file, keyLine, `duplicate key ${JSON.stringify(name)} (first on line ${first})`);
      if (pair.value) recordLines(pair.value, keyPath, keyLine, record);
      else record.lines.set(keyPath, keyLine);
    }
  } else if (isSeq(node)) {
    const dashes = sequenceItemOffsets(node);
    node.items.forEach((item, index) => {
      const offset = dashes[index] ?? nodeStart(item);
      recordLines(item, `${path}[${index}]`, record.lineOf(offset), record);
    });
  }
}

/**
 * The offset of each item's `-` in a block sequence (an item may start on the line below it);
 * empty for a flow sequence, whose items are where they start.
 * @param {import('yaml').YAMLSeq<ParsedNode>} seq
 * @returns {(number | undefined)[]}
 */
function sequenceItemOffsets(seq) {
  const token = seq.srcToken;
  if (token?.type !== 'block-seq') return [];
  return token.items.map((item) => item.start.find((t) => t.type === 'seq-item-ind')?.offset);
}

/**
 * Where `node` starts in the text (an alias or an empty value included).
 * @param {ParsedNode | import('yaml').Alias} node
 */
function nodeStart(node) {
  return node.range?.[0] ?? 0;
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
 * @property {string|null} [grid] the name of the Selenium Grid its browser tests use; null: none
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
const ENVIRONMENT_KEYS = ['name', 'kind', 'base_url', 'variables', 'secret_refs', 'retention_days', 'grid'];
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
  const project = checkProject(check, root.project);
  /** @type {Map<string, string>} */
  const environmentNames = new Map();
  const environments = check.list(root.environments, 'environments').flatMap((item, index) => checkEnvironment(check, item, `environments[${index}]`, environmentNames) ?? []);
  /** @type {Map<string, string>} */
  const suiteNames = new Map();
  const suites = check.list(root.suites, 'suites').flatMap((item, index) => checkSuite(check, item, `suites[${index}]`, suiteNames) ?? []);
  if (check.problems.length > 0) {
    check.problems.sort((a, b) => a.line - b.line);
    throw new ProjectFileError(file, check.problems);
  }
  return { project, environments, suites, lines };
}

/**
 * The file's `project`; its name and repo_url are empty when missing (a problem says so).
 * @param {Checker} check
 * @param {YamlValue | undefined} value
 * @returns {ProjectSpec}
 */
function checkProject(check, value) {
  /** @type {ProjectSpec} */
  const project = { name: '', repo_url: '' };
  if (value === undefined) {
    check.problem('project', 'is required');
    return project;
  }
  const p = check.mapping(value, 'project', PROJECT_KEYS);
  if (!p) return project;
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
  return project;
}

/**
 * One item of `environments`, or null when it has no usable name.
 * @param {Checker} check
 * @param {YamlValue} item
 * @param {string} path
 * @param {Map<string, string>} names the environment names seen so far → their paths
 * @returns {EnvironmentSpec | null}
 */
function checkEnvironment(check, item, path, names) {
  const e = check.mapping(item, path, ENVIRONMENT_KEYS);
  if (!e) return null;
  const name = check.string(e.name, `${path}.name`, { required: true, max: 100, oneLine: true });
  if (name === undefined) return null;
  duplicate(check, names, name, `${path}.name`, 'environment');
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
  // A Grid is named, not numbered: apply looks its id up on the server (`grid: null` unsets it).
  if (e.grid === null) environment.grid = null;
  else assign(environment, 'grid', check.string(e.grid, `${path}.grid`, { max: 200, oneLine: true }));
  return environment;
}

/**
 * One item of `suites`, or null when it has no usable name.
 * @param {Checker} check
 * @param {YamlValue} item
 * @param {string} path
 * @param {Map<string, string>} names the suite names seen so far → their paths
 * @returns {SuiteSpec | null}
 */
function checkSuite(check, item, path, names) {
  const s = check.mapping(item, path, SUITE_KEYS);
  if (!s) return null;
  const name = check.string(s.name, `${path}.name`, { required: true, max: 100, oneLine: true });
  if (name === undefined) return null;
  duplicate(check, names, name, `${path}.name`, 'suite');
  /** @type {SuiteSpec} */
  const suite = { name };
  assign(suite, 'description', check.string(s.description, `${path}.description`, { max: 10_000, allowEmpty: true }));
  assign(suite, 'layer', check.oneOf(s.layer, `${path}.layer`, SUITE_LAYERS));
  for (const key of /** @type {const} */ (['markers', 'keywords'])) {
    const expression = check.string(s[key], `${path}.${key}`, { max: 1000, allowEmpty: true, oneLine: true });
    if (expression !== undefined && !balanced(expression)) check.problem(`${path}.${key}`, 'has unbalanced parentheses');
    assign(suite, key, expression);
  }
  if (s.paths !== undefined) suite.paths = checkTestPaths(check, s.paths, `${path}.paths`);
  /** @type {(key: 'shards' | 'workers_per_shard' | 'retries' | 'timeout_seconds', min: number, max: number) => void} */
  const count = (key, min, max) => assign(suite, key, /** @type {number | undefined} */ (check.number(s[key], `${path}.${key}`, { min, max, integer: true })));
  count('shards', 1, MAX_SHARDS);
  count('workers_per_shard', 0, 32);
  count('retries', 0, 10);
  count('timeout_seconds', 1, 86_400);
  checkRunSettings(check, s, path, suite);
  assign(suite, 'require_dataset_health', check.boolean(s.require_dataset_health, `${path}.require_dataset_health`));
  return suite;
}

/**
 * A suite's `paths`: test files or node ids relative to the repository root, at most 100.
 * @param {Checker} check
 * @param {YamlValue} value
 * @param {string} path
 * @returns {string[]}
 */
function checkTestPaths(check, value, path) {
  /** @type {string[]} */
  const paths = [];
  check.list(value, path).forEach((entry, i) => {
    const text = check.string(entry, `${path}[${i}]`, { required: true, max: 1000, oneLine: true });
    if (text === undefined) return;
    const problem = testPathProblem(text);
    if (problem) check.problem(`${path}[${i}]`, problem);
    paths.push(text);
  });
  if (paths.length > 100) check.problem(path, 'must have at most 100 entries');
  return paths;
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
