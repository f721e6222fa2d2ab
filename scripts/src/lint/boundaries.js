/**
 * QAtron's package boundaries as ESLint rules (issue 14 item 4, README "Architecture"): which of our
 * packages may import which (the arrows live in eslint.config.js), that every package an import
 * names is listed in the importing package's package.json, and no import cycle between modules.
 *
 * Plain JavaScript with no dependency but TypeScript's own pre-parser, so that eslint.config.js
 * can load it as it is. The module graph for the cycle check is built once per ESLint process
 * from every workspace's sources (TypeScript, JavaScript and the Board's Vue files): about half a
 * second for the whole repository, where import-x/no-cycle resolves module by module.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root (this file is scripts/src/lint/boundaries.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const SOURCE = /\.(ts|js|mjs|vue)$/;

/**
 * Tests and their helpers, and build configuration: they run from the root workspace, which links
 * every package, to drive the whole stack from outside or check one package against another, so
 * the arrows do not bind them; what they use must still be installed (the package's or the root's
 * dependencies, dev ones included).
 */
export function isTooling(path, extra = []) {
  if (extra.some((prefix) => path.startsWith(prefix))) return true;
  return /\.test\.ts$/.test(path) || /(^|\/)testing\//.test(path) || /(^|\/)[^/]+\.config\.[cm]?[jt]s$/.test(path);
}

/** The workspace packages: directory, name, dependencies and exports, from the package.json files. */
export function readWorkspaces(root = REPO_ROOT) {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packages = rootManifest.workspaces.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    return {
      dir,
      name: manifest.name,
      dependencies: new Set(Object.keys(manifest.dependencies ?? {})),
      devDependencies: new Set(Object.keys(manifest.devDependencies ?? {})),
      exports: manifest.exports ?? {},
    };
  });
  const rootDependencies = new Set([...Object.keys(rootManifest.dependencies ?? {}), ...Object.keys(rootManifest.devDependencies ?? {})]);
  return { root, packages, rootDependencies };
}

/** The npm package an import specifier names (`@scope/name` or `name`), or null for a path. */
export function packageName(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The workspace package a file (absolute path) belongs to, or undefined. */
function packageOf(workspaces, file) {
  const path = relative(workspaces.root, file).split(sep).join('/');
  return workspaces.packages.find((p) => path.startsWith(`${p.dir}/`));
}

/**
 * What is wrong with `specifier` imported from `file` (absolute), or null. `arrows` maps a package
 * directory to `{ packages: [directories it may import], temporal: [Temporal SDK packages it may
 * use], node: false when Node built-ins are out (the Board runs in a browser) }`; `tooling` lists
 * more paths (from the repository root) that are tooling though not named so.
 */
export function importProblem(workspaces, { arrows, tooling: toolingPaths = [] }, file, specifier) {
  const from = packageOf(workspaces, file);
  if (!from) return null;
  const tooling = isTooling(relative(workspaces.root, file).split(sep).join('/'), toolingPaths);
  const rule = arrows[from.dir];
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    const inside = target.startsWith(join(workspaces.root, from.dir) + sep);
    return inside || tooling ? null : `${from.dir}/ reaches into another package's files with '${specifier}': import the package by its name`;
  }
  if (BUILTINS.has(specifier)) {
    return rule && rule.node === false && !tooling ? `${from.dir}/ may not use Node built-ins ('${specifier}'): it runs in a browser` : null;
  }
  const name = packageName(specifier);
  if (!name) return null;
  const workspace = workspaces.packages.find((p) => p.name === name);
  if (workspace && workspace !== from && !tooling && rule && !rule.packages.includes(workspace.dir)) {
    const allowed = rule.packages.length ? rule.packages.join(', ') : 'no other package of ours';
    return `${from.dir}/ may not import ${name} (its arrows: ${allowed}; README "Architecture")`;
  }
  if (name.startsWith('@temporalio/') && !tooling && rule && !rule.temporal.includes(name.slice('@temporalio/'.length))) {
    const allowed = rule.temporal.length ? rule.temporal.map((t) => `@temporalio/${t}`).join(', ') : 'no Temporal package';
    return `${from.dir}/ may not use ${name} (it may use ${allowed})`;
  }
  if (workspace === from) return null;
  const listed = from.dependencies.has(name) || (tooling && (from.devDependencies.has(name) || workspaces.rootDependencies.has(name) || Boolean(workspace)));
  return listed ? null : `${name} is not in ${from.dir}/package.json ${tooling ? 'dependencies or devDependencies' : 'dependencies'}`;
}

/** Every source file of the workspaces (no node_modules, no build output). */
function sourceFiles(workspaces) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name)) files.push(path);
    }
  };
  for (const p of workspaces.packages) walk(join(workspaces.root, p.dir));
  return files;
}

/** The import specifiers of a source file (static, dynamic and type-only); a Vue file's from its script blocks. */
export function importsOf(file, text = readFileSync(file, 'utf8')) {
  const code = file.endsWith('.vue') ? [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : text;
  return ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);
}

/** The file an import resolves to (a TypeScript `.js` specifier names its `.ts` file), or null. */
function resolveImport(workspaces, file, specifier) {
  if (specifier.startsWith('.')) return existingFile(resolve(dirname(file), specifier));
  const name = packageName(specifier);
  const workspace = workspaces.packages.find((p) => p.name === name);
  if (!workspace) return null;
  const subpath = specifier === name ? '.' : `.${specifier.slice(name.length)}`;
  let target = workspace.exports[subpath];
  for (const [pattern, value] of Object.entries(workspace.exports)) {
    if (target) break;
    if (pattern.endsWith('/*') && subpath.startsWith(pattern.slice(0, -1))) target = value.replace('*', subpath.slice(pattern.length - 1));
  }
  return typeof target === 'string' ? existingFile(join(workspaces.root, workspace.dir, target)) : null;
}

function existingFile(base) {
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The module graph: file → the files it imports (ours only). */
export function moduleGraph(workspaces) {
  const graph = new Map();
  for (const file of sourceFiles(workspaces)) {
    graph.set(file, [...new Set(importsOf(file).map((s) => resolveImport(workspaces, file, s)).filter(Boolean))]);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself): the cycles. */
export function importCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (file) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
    }
    if (low.get(file) !== index.get(file)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** A shortest path of imports from `from` back to `to` within one cycle, for the message. */
function cyclePath(graph, members, from, to) {
  const previous = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const file = queue.shift();
    if (file === to) break;
    for (const target of graph.get(file) ?? []) {
      if (members.has(target) && !previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  const path = [];
  for (let file = to; file; file = previous.get(file)) path.unshift(file);
  return path;
}

let cached;
/** The repository's graph and cycles, built once per process (an editor's ESLint server keeps it until restarted). */
function repositoryCycles() {
  if (!cached) {
    const workspaces = readWorkspaces();
    const graph = moduleGraph(workspaces);
    const cycleOf = new Map();
    for (const cycle of importCycles(graph)) for (const file of cycle) cycleOf.set(file, new Set(cycle));
    cached = { workspaces, graph, cycleOf };
  }
  return cached;
}

/** Calls `check(node, specifier)` for every import, export-from and dynamic import of a file. */
function eachImport(check) {
  const source = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node.source, node.source.value);
  };
  return { ImportDeclaration: source, ExportNamedDeclaration: source, ExportAllDeclaration: source, ImportExpression: source };
}

const packageBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Our packages import only along the allowed arrows, and only what their package.json lists' },
    schema: [{ type: 'object', properties: { arrows: { type: 'object' }, tooling: { type: 'array', items: { type: 'string' } } }, required: ['arrows'], additionalProperties: false }],
  },
  create(context) {
    const workspaces = readWorkspaces();
    return eachImport((node, specifier) => {
      const problem = importProblem(workspaces, context.options[0], context.filename, specifier);
      if (problem) context.report({ node, message: problem });
    });
  },
};

const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycle between modules, within a package or across packages (type-only imports included)' },
    schema: [],
  },
  create(context) {
    const { workspaces, graph, cycleOf } = repositoryCycles();
    const members = cycleOf.get(context.filename);
    if (!members) return {};
    return eachImport((node, specifier) => {
      const target = resolveImport(workspaces, context.filename, specifier);
      if (!target || !members.has(target)) return;
      const path = [context.filename, ...cyclePath(graph, members, target, context.filename)].map((f) => relative(workspaces.root, f));
      context.report({ node, message: `import cycle: ${path.join(' → ')}` });
    });
  },
};

/** The plugin: `qatron/package-boundaries` and `qatron/no-import-cycle`. */
export default { meta: { name: 'qatron-boundaries' }, rules: { 'package-boundaries': packageBoundaries, 'no-import-cycle': noImportCycle } };
