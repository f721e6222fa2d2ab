/**
 * What a repository declares about its Python environment (issue 12 item 1): the pyproject.toml
 * [project] table (PEP 621) with its optional dependencies, PEP 735 dependency groups, setup.cfg's
 * metadata, and `requires-python`. Python's own TOML reader (`tomllib`, the parser pip uses too)
 * reads the files; the decisions (which extras, what to install) are pure functions below.
 */
import { join } from 'node:path';
import { EnvironmentSetupError, isAbortError } from './errors.js';
import { runCommand } from './process.js';

/** A repository's declarations, as far as the interpreter reading them could tell. */
export interface ProjectManifest {
  /** Whether pyproject.toml could be parsed (Python ≥ 3.11, or tomli installed). */
  readsToml: boolean;
  pyproject: boolean;
  /** pyproject.toml has a [build-system] table, or there is a setup.py/setup.cfg: `pip install .` builds it. */
  installable: boolean;
  /** The project's name ([project] or setup.cfg [metadata]); null when unknown. */
  name: string | null;
  requiresPython: string | null;
  /** [project] dependencies; null when dynamic or there is no [project] table. */
  dependencies: string[] | null;
  /** [project.optional-dependencies] or setup.cfg [options.extras_require]; null when dynamic or unknown. */
  extras: Record<string, string[]> | null;
  /** [dependency-groups] with `{include-group = …}` entries resolved (PEP 735). */
  groups: Record<string, string[]>;
  /** Package roots configured for setuptools (`[tool.setuptools.packages.find] where`, setup.cfg `[options.packages.find] where`). */
  packageRoots: string[];
  /** Lock files present (uv.lock, poetry.lock, Pipfile.lock, pdm.lock): not honoured by the default install. */
  lockFiles: string[];
}

const READ_MANIFEST = String.raw`
import configparser, json, os, re, sys
root = sys.argv[1]
try:
    import tomllib as toml
except ImportError:
    try:
        import tomli as toml
    except ImportError:
        toml = None
norm = lambda name: re.sub(r"[-_.]+", "-", str(name)).lower()
out = {"readsToml": toml is not None, "pyproject": False, "installable": os.path.exists(os.path.join(root, "setup.py")), "name": None,
       "requiresPython": None, "dependencies": None, "extras": None, "groups": {}, "packageRoots": [],
       "lockFiles": [f for f in ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock") if os.path.exists(os.path.join(root, f))]}
cfg_path = os.path.join(root, "setup.cfg")
if os.path.exists(cfg_path):
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(cfg_path, encoding="utf-8")
    lines = lambda text: [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    if cfg.has_section("metadata") or cfg.has_section("options"):
        out["installable"] = True
        out["name"] = cfg.get("metadata", "name", fallback=None)
        out["requiresPython"] = cfg.get("options", "python_requires", fallback=None)
        if cfg.has_section("options.extras_require"):
            out["extras"] = {norm(k): lines(v) for k, v in cfg.items("options.extras_require")}
        where = cfg.get("options.packages.find", "where", fallback=None)
        if where:
            out["packageRoots"] += lines(where)
path = os.path.join(root, "pyproject.toml")
if os.path.exists(path):
    out["pyproject"] = True
    if toml is not None:
        with open(path, "rb") as f:
            data = toml.load(f)
        if "build-system" in data:
            out["installable"] = True
        project = data.get("project")
        if isinstance(project, dict):
            dynamic = project.get("dynamic", [])
            out["name"] = project.get("name", out["name"])
            out["requiresPython"] = project.get("requires-python", out["requiresPython"])
            out["dependencies"] = None if "dependencies" in dynamic else list(project.get("dependencies", []))
            if "optional-dependencies" not in dynamic:
                out["extras"] = {norm(k): list(v) for k, v in project.get("optional-dependencies", {}).items()}
        groups = {norm(k): v for k, v in (data.get("dependency-groups") or {}).items()}
        def expand(name, seen):
            found = []
            for entry in groups.get(name, []):
                if isinstance(entry, str):
                    found.append(entry)
                elif isinstance(entry, dict) and "include-group" in entry and norm(entry["include-group"]) not in seen:
                    found += expand(norm(entry["include-group"]), seen | {norm(entry["include-group"])})
            return found
        out["groups"] = {name: expand(name, {name}) for name in groups}
        find = data.get("tool", {}).get("setuptools", {}).get("packages", {})
        if isinstance(find, dict):
            out["packageRoots"] += list(find.get("find", {}).get("where", []))
print(json.dumps(out))
`;

/** The files `readProjectManifest` reads; without any of them there is nothing to read. */
export const MANIFEST_FILES = ['pyproject.toml', 'setup.cfg', 'setup.py'];

/** The declarations of a repository that has none of MANIFEST_FILES (lock files aside). */
export function emptyManifest(lockFiles: string[] = []): ProjectManifest {
  return { readsToml: true, pyproject: false, installable: false, name: null, requiresPython: null, dependencies: null, extras: null, groups: {}, packageRoots: [], lockFiles };
}

/**
 * Reads the repository's declarations with `python` (any interpreter; ≥ 3.11 reads pyproject.toml).
 * @throws EnvironmentSetupError when pyproject.toml or setup.cfg cannot be parsed.
 */
export async function readProjectManifest(python: string, checkoutDir: string, env: Record<string, string>, signal?: AbortSignal): Promise<ProjectManifest> {
  try {
    const out = await runCommand(python, ['-c', READ_MANIFEST, checkoutDir], { env, signal, capture: true, tailLines: 20 });
    if (out.exitCode !== 0) throw new EnvironmentSetupError(`the repository's pyproject.toml or setup.cfg cannot be read:\n${out.tail.slice(-3).join('\n')}`);
    return JSON.parse(out.stdout) as ProjectManifest;
  } catch (error) {
    if (error instanceof EnvironmentSetupError || isAbortError(error)) throw error;
    throw new EnvironmentSetupError(`cannot read the repository's pyproject.toml with ${python}: ${(error as Error).message}`);
  }
}

/** PEP 503 / PEP 685 normalisation of a project, extra or group name. */
export const normalizeName = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

/** Extras and groups installed for tests: the test-like ones, else the development ones. */
const TEST_NAMES = ['test', 'tests', 'testing'];
const DEV_NAMES = ['dev', 'develop', 'development'];

/**
 * The extras (or dependency groups) a test run needs among `declared`: every one named test, tests
 * or testing; when there is none of those, dev, develop or development (a development extra usually
 * carries the test tools, and also linters: installed only when nothing names the tests).
 */
export function testSelections(declared: Iterable<string>): string[] {
  const names = [...declared].map(normalizeName);
  const tests = names.filter((n) => TEST_NAMES.includes(n));
  return (tests.length > 0 ? tests : names.filter((n) => DEV_NAMES.includes(n))).sort();
}

const REQUIREMENT = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?/;

/**
 * The requirements of `extras`, with references to the project itself (`shop[plot]` inside
 * `test = […]`) replaced by the requirements of the extras they name.
 */
export function expandExtras(projectName: string | null, extras: Record<string, string[]>, selected: string[]): string[] {
  const self = projectName ? normalizeName(projectName) : null;
  const seen = new Set<string>();
  const result: string[] = [];
  const visit = (extra: string) => {
    if (seen.has(extra)) return;
    seen.add(extra);
    for (const requirement of extras[extra] ?? []) {
      const match = REQUIREMENT.exec(requirement);
      if (self && match && normalizeName(match[1]!) === self) {
        for (const inner of (match[2] ?? '').split(',').map((e) => normalizeName(e.trim())).filter(Boolean)) visit(inner);
      } else {
        result.push(requirement);
      }
    }
  };
  for (const extra of selected) visit(normalizeName(extra));
  return result;
}

/** What step 1 installs for a repository without requirements*.txt or an install command. */
export type RepositoryInstall =
  /** Requirements installed as listed: the project's static dependencies, extras and groups. */
  | { kind: 'requirements'; requirements: string[]; extras: string[]; groups: string[] }
  /** The checkout built and installed with extras (dynamic metadata), then removed again; plus group requirements. */
  | { kind: 'project'; target: string; requirements: string[]; extras: string[]; groups: string[] }
  | { kind: 'nothing' };

/**
 * How to install what `manifest` declares: static [project] metadata is installed as requirement
 * lists (no build: a test repository's layout often is not a buildable package, and its code must
 * come from each run's checkout anyway); dynamic metadata (setup.py, `dynamic = [...]`) needs
 * `pip install <checkout>[extras]`, after which the project itself is removed again.
 */
export function repositoryInstall(manifest: ProjectManifest, checkoutDir: string): RepositoryInstall {
  const groups = testSelections(Object.keys(manifest.groups));
  const groupRequirements = groups.flatMap((g) => manifest.groups[g] ?? []);
  const extras = manifest.extras ? testSelections(Object.keys(manifest.extras)) : [];
  if (manifest.dependencies !== null && manifest.extras !== null) {
    const requirements = [...manifest.dependencies, ...expandExtras(manifest.name, manifest.extras, extras), ...groupRequirements];
    return { kind: 'requirements', requirements, extras, groups };
  }
  if (manifest.dependencies !== null || manifest.name !== null || manifest.installable) {
    const target = extras.length > 0 ? `${checkoutDir}[${extras.join(',')}]` : checkoutDir;
    return { kind: 'project', target, requirements: groupRequirements, extras, groups };
  }
  return groupRequirements.length ? { kind: 'requirements', requirements: groupRequirements, extras: [], groups } : { kind: 'nothing' };
}

/** Directories of the checkout that hold its importable packages (relative): `src` and configured roots. */
export function importRoots(manifest: ProjectManifest, installedFromCheckout: string[]): string[] {
  const roots = new Set<string>(['src']);
  for (const where of manifest.packageRoots) if (where && where !== '.') roots.add(where.replace(/\/+$/, ''));
  for (const dir of installedFromCheckout) {
    if (dir === '.' || dir === '') continue;
    roots.add(join(dir, 'src'));
    roots.add(dir);
  }
  return [...roots].sort();
}
