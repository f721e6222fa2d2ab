/** Types of boundaries.js (plain JavaScript so that eslint.config.js loads it as it is). */
import type { ESLint } from 'eslint';

export interface Workspace {
  dir: string;
  name: string;
  dependencies: Set<string>;
  devDependencies: Set<string>;
  exports: Record<string, string>;
}
export interface Workspaces {
  root: string;
  packages: Workspace[];
  rootDependencies: Set<string>;
}
/** What one package may import: our packages (directories), Temporal SDK packages, Node built-ins. */
export interface PackageArrow {
  packages: string[];
  temporal: string[];
  node?: false;
}
export interface BoundaryOptions {
  arrows: Record<string, PackageArrow>;
  tooling?: string[];
}

export const REPO_ROOT: string;
export function isTooling(path: string, extra?: string[]): boolean;
export function readWorkspaces(root?: string): Workspaces;
export function packageName(specifier: string): string | null;
export function importProblem(workspaces: Workspaces, options: BoundaryOptions, file: string, specifier: string): string | null;
export function importsOf(file: string, text?: string): string[];
export function moduleGraph(workspaces: Workspaces): Map<string, string[]>;
export function importCycles<T>(graph: Map<T, T[]>): T[][];
declare const plugin: ESLint.Plugin;
export default plugin;
