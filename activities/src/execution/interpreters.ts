/**
 * Which Python a repository's environment is built with (issue 12 item 1): the worker's
 * interpreters are probed once per process, and the repository's `requires-python` (or a suite's
 * `python_version`) picks among them. Version specifiers follow PEP 440 ("Version specifiers",
 * packaging.python.org/en/latest/specifications/version-specifiers/) for the release numbers an
 * interpreter has; pre-releases of interpreters are compared by their release numbers.
 */
import { EnvironmentSetupError, isAbortError } from './errors.js';
import { runCommand } from './process.js';

/** A version as its release numbers: 3.11.7 → [3, 11, 7]. */
export type Release = readonly number[];

interface Clause {
  operator: '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';
  release: Release;
  /** `==3.11.*` / `!=3.11.*`: a prefix match. */
  wildcard: boolean;
  text: string;
}

const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*v?([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*$/;

/** Parses `3.11.7` (or `3.13.0rc1`, whose pre-release part is ignored) into release numbers. */
export function parseRelease(version: string): Release {
  const match = /^\s*v?([0-9]+(?:\.[0-9]+)*)/.exec(version);
  if (!match) throw new Error(`not a version: ${JSON.stringify(version)}`);
  return match[1]!.split('.').map(Number);
}

function compare(a: Release, b: Release): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const hasPrefix = (version: Release, prefix: Release) => prefix.every((n, i) => (version[i] ?? 0) === n);

function parseClause(text: string): Clause {
  const match = CLAUSE.exec(text.trim());
  if (!match) throw new Error(`invalid clause ${JSON.stringify(text.trim())}`);
  const operator = match[1] as Clause['operator'];
  const wildcard = match[3] !== undefined;
  const release = match[2]!.split('.').map(Number);
  // `>=3.8.*` is not valid PEP 440 but appears in the wild; pip's old parser accepted it as >=3.8.
  if (wildcard && operator !== '==' && operator !== '!=') return { operator, release, wildcard: false, text: text.trim() };
  if (operator === '~=' && release.length < 2) throw new Error(`invalid clause ${JSON.stringify(text.trim())}: ~= needs at least two numbers`);
  return { operator, release, wildcard, text: text.trim() };
}

function satisfiesClause(version: Release, clause: Clause): boolean {
  const { operator, release } = clause;
  switch (operator) {
    case '==':
      return clause.wildcard ? hasPrefix(version, release) : compare(version, release) === 0;
    case '!=':
      return clause.wildcard ? !hasPrefix(version, release) : compare(version, release) !== 0;
    case '===':
      return compare(version, release) === 0;
    case '<=':
      return compare(version, release) <= 0;
    case '>=':
      return compare(version, release) >= 0;
    case '<':
      return compare(version, release) < 0;
    case '>':
      return compare(version, release) > 0;
    case '~=':
      // ~=3.9 means >=3.9, ==3.*; ~=3.9.2 means >=3.9.2, ==3.9.*.
      return compare(version, release) >= 0 && hasPrefix(version, release.slice(0, -1));
  }
}

/**
 * A PEP 440 version specifier (`>=3.9`, `>=3.8,<4`, `~=3.10`, `==3.11.*`, `!=3.9.0`) as a
 * predicate on versions. An empty specifier matches every version.
 * @throws Error naming the clause that is not a valid specifier.
 */
export function parseSpecifier(specifier: string): (version: string | Release) => boolean {
  const clauses = specifier
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(parseClause);
  return (version) => {
    const release = typeof version === 'string' ? parseRelease(version) : version;
    return clauses.every((clause) => satisfiesClause(release, clause));
  };
}

/**
 * A suite's `python_version` as a specifier: a bare version (`3.12`, `3.12.1`) means that release
 * series (`==3.12.*`); anything starting with an operator is a specifier already.
 */
export function pythonVersionSpecifier(pythonVersion: string): string {
  const text = pythonVersion.trim();
  return /^[0-9]/.test(text) ? `==${text.replace(/\.\*$/, '')}.*` : text;
}

/** An interpreter the worker can build environments with. */
export interface Interpreter {
  /** How it was named (a path or a command on PATH). */
  command: string;
  /** `3.11.7`. */
  version: string;
  /** The real path of the base interpreter (not a venv's or a shim's). */
  executable: string;
  machine: string;
  /** Has `tomllib` (Python ≥ 3.11): can read pyproject.toml. */
  readsToml: boolean;
  /** `sys.version`, for the environment's cache key. */
  fullVersion: string;
}

export interface InterpreterRequest {
  /** The repository's `requires-python` (pyproject.toml or setup.cfg `python_requires`), if any. */
  requiresPython?: string | null;
  /** A suite's `python_version` (`3.12`, `>=3.11`), which overrides requires-python. */
  pythonVersion?: string | null;
}

/**
 * The interpreter for a repository among `available` (in the worker's order of preference, the
 * first being its default): with a suite's `python_version`, the newest that matches it; with
 * `requires-python`, the newest that matches it; without either, the default (the operator's
 * choice, for the many test repositories that declare no Python version).
 * @throws EnvironmentSetupError naming the requirement and the versions this worker has.
 */
export function chooseInterpreter(available: readonly Interpreter[], request: InterpreterRequest): Interpreter {
  if (available.length === 0) throw new EnvironmentSetupError('this worker has no working Python interpreter (set WORKER_PYTHONS or put python3 on PATH)');
  const has = () => available.map((i) => i.version).join(', ');
  const newest = (matching: Interpreter[]) => matching.reduce((best, i) => (compare(parseRelease(i.version), parseRelease(best.version)) > 0 ? i : best));
  const matcher = (specifier: string, what: string) => {
    try {
      return parseSpecifier(specifier);
    } catch (error) {
      throw new EnvironmentSetupError(`${what} ${JSON.stringify(specifier)} is not a valid version specifier (${(error as Error).message})`);
    }
  };
  if (request.pythonVersion?.trim()) {
    const matches = matcher(pythonVersionSpecifier(request.pythonVersion), "the suite's Python version");
    const matching = available.filter((i) => matches(i.version));
    if (matching.length === 0) throw new EnvironmentSetupError(`the suite asks for Python ${request.pythonVersion.trim()}; this worker has ${has()}`);
    return newest(matching);
  }
  if (request.requiresPython?.trim()) {
    const matches = matcher(request.requiresPython, 'requires-python');
    const matching = available.filter((i) => matches(i.version));
    if (matching.length === 0) throw new EnvironmentSetupError(`the repository requires Python ${request.requiresPython.trim()}; this worker has ${has()}`);
    return newest(matching);
  }
  return available[0]!;
}

/** The interpreters looked for when the worker names none (WORKER_PYTHONS): `python3` first. */
export const DEFAULT_INTERPRETERS = ['python3', 'python3.14', 'python3.13', 'python3.12', 'python3.11', 'python3.10', 'python3.9', 'python3.8'];

const DESCRIBE = `import json, os, platform, sys
try:
    import tomllib
    toml = True
except ImportError:
    toml = False
print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "fullVersion": sys.version, "executable": os.path.realpath(getattr(sys, "_base_executable", sys.executable)), "machine": platform.machine(), "readsToml": toml}))`;

/** Probes one interpreter; `undefined` when it does not run (a missing command, a pyenv shim of an inactive version, Python 2). */
export async function describeInterpreter(command: string, env: Record<string, string>, signal?: AbortSignal): Promise<Interpreter | undefined> {
  try {
    const out = await runCommand(command, ['-c', DESCRIBE], { env, signal, capture: true });
    if (out.exitCode !== 0) return undefined;
    return { command, ...(JSON.parse(out.stdout) as Omit<Interpreter, 'command'>) };
  } catch (error) {
    if (isAbortError(error)) throw error;
    return undefined;
  }
}

const probed = new Map<string, Promise<Interpreter[]>>();

/**
 * The working interpreters among `commands` (WORKER_PYTHONS, else DEFAULT_INTERPRETERS), in that
 * order, without duplicates (python3 and python3.11 are often the same interpreter) and without
 * interpreters older than 3.8 (QAtron's plugins need it). Probed once per process and list.
 */
export function discoverInterpreters(commands: readonly string[], env: Record<string, string>, signal?: AbortSignal): Promise<Interpreter[]> {
  const key = `${env.PATH ?? ''}\0${commands.join('\0')}`;
  let found = probed.get(key);
  if (!found) {
    found = (async () => {
      const described = await Promise.all(commands.map((command) => describeInterpreter(command, env, signal)));
      const seen = new Set<string>();
      return described.filter((i): i is Interpreter => {
        if (!i || seen.has(i.executable) || compare(parseRelease(i.version), [3, 8]) < 0) return false;
        seen.add(i.executable);
        return true;
      });
    })();
    probed.set(key, found);
    // A failed probe (cancelled) must not be remembered.
    found.catch(() => probed.delete(key));
  }
  return found;
}
