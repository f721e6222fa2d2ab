/**
 * `npm run build`: everything QAtron serves or loads that is built from source: the Board's static
 * files (board/dist, which the api process only serves) and the prebuilt workflow bundle workers
 * load (worker/dist). Each part is rebuilt only when its sources changed. `npm start` runs the
 * same build while the stores start (scripts/src/start.ts), and `npm test` runs it before the
 * tests, so the Board e2e tests find a built Board.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from './embedded/temporal.js';

/** The Board's sources (a workspace of this repository); its build goes to `dist` inside. */
export const BOARD_DIR = join(REPO_ROOT, 'board');
const STAMP = '.build-stamp';
/** What the build depends on besides board/src: a change to any of them rebuilds. */
const BUILD_INPUTS = ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return Promise.resolve(entry.isFile() && !/\.(test|e2e\.test)\.ts$/.test(entry.name) ? [path] : []);
    }),
  );
  return nested.flat().sort();
}

/** A hash of every input of the Board's build (sources and config; not the tests), as scripts/bootstrap.sh stamps installs. */
export async function boardSourceHash(boardDir = BOARD_DIR): Promise<string> {
  const hash = createHash('sha256');
  const files = [...(await filesUnder(join(boardDir, 'src'))), ...BUILD_INPUTS.map((f) => join(boardDir, f))];
  for (const file of files) {
    hash.update(relative(boardDir, file)).update('\0');
    hash.update(await readFile(file).catch(() => Buffer.alloc(0))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export interface BoardBuild {
  /** `fresh`: the stamp matched; `built`: built now; `failed`: no usable build (see `error`). */
  outcome: 'fresh' | 'built' | 'failed';
  /** True when board/dist can be served (a stale build still can, after a failed rebuild). */
  servable: boolean;
  error?: string;
}

/**
 * Builds board/dist with `vite build` when the Board's sources changed since the last build (or
 * there is none). The build goes to a temporary directory that replaces dist only when it
 * succeeded, so a broken edit keeps the previous Board up; parallel builds (two e2e stacks) each
 * put a complete build in place.
 */
export async function buildBoard(options: { boardDir?: string; log?: (line: string) => void } = {}): Promise<BoardBuild> {
  const boardDir = options.boardDir ?? BOARD_DIR;
  const dist = join(boardDir, 'dist');
  const hash = await boardSourceHash(boardDir);
  const stamp = await readFile(join(dist, STAMP), 'utf8').catch(() => null);
  const hasIndex = await stat(join(dist, 'index.html')).then(() => true, () => false);
  if (hasIndex && stamp?.trim() === hash) return { outcome: 'fresh', servable: true };
  options.log?.('building the Board (vite build)…');
  const temporary = join(boardDir, `.dist-${process.pid}-${Date.now()}`);
  try {
    const vite = join(dirname(createRequire(join(boardDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
    await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', temporary, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: boardDir,
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    await writeFile(join(temporary, STAMP), `${hash}\n`);
    await rm(dist, { recursive: true, force: true });
    await rename(temporary, dist);
    return { outcome: 'built', servable: true };
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    // Another start (a parallel test, a second `npm start`) may have put the same build in place meanwhile.
    const now = await readFile(join(dist, STAMP), 'utf8').catch(() => null);
    if (now?.trim() === hash) return { outcome: 'fresh', servable: true };
    const e = err as { stderr?: string; message: string };
    const servable = await stat(join(dist, 'index.html')).then(() => true, () => false);
    return { outcome: 'failed', servable, error: (e.stderr || e.message).trim().slice(-2000) };
  }
}

/** Where `npm run build:workflows` (worker/src/build-bundle.ts) writes the bundle workers load. */
const WORKFLOW_BUNDLE = join(REPO_ROOT, 'worker', 'dist', 'workflow-bundle.js');
/** The workflow code's sources: a change to any makes the bundle stale (the rule worker/src/worker.ts applies when it loads it). */
const WORKFLOW_SOURCES = [join(REPO_ROOT, 'workflows', 'src'), join(REPO_ROOT, 'domain', 'src', 'runs')];

async function newestMtime(dirs: string[]): Promise<number> {
  let newest = 0;
  for (const dir of dirs) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

/**
 * Writes the prebuilt workflow bundle unless it is newer than every workflow source (a fresh
 * bundle is left alone: workers of a running test may be reading it). A failure is returned, not
 * thrown: without the bundle a worker bundles the workflows itself at start.
 */
export async function buildWorkflowBundle(): Promise<{ outcome: 'fresh' | 'built' | 'failed'; error?: string }> {
  const bundled = await stat(WORKFLOW_BUNDLE).then((s) => s.mtimeMs, () => -1);
  if (bundled >= (await newestMtime(WORKFLOW_SOURCES))) return { outcome: 'fresh' };
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'worker', 'src', 'build-bundle.ts')], { cwd: REPO_ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    return { outcome: 'built' };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { outcome: 'failed', error: (e.stderr || e.message).trim().slice(-2000) };
  }
}

/** Both parts, side by side; resolves with what each did. */
export async function buildAll(log?: (line: string) => void): Promise<{ board: BoardBuild; workflows: Awaited<ReturnType<typeof buildWorkflowBundle>> }> {
  const [board, workflows] = await Promise.all([buildBoard({ log }), buildWorkflowBundle()]);
  return { board, workflows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { board, workflows } = await buildAll((line) => console.log(line));
  console.log(`board: ${board.outcome === 'failed' ? `build failed${board.servable ? ' (the previous build stays in board/dist)' : ''}\n${board.error}` : `${board.outcome} (board/dist)`}`);
  console.log(`workflow bundle: ${workflows.outcome === 'failed' ? `build failed\n${workflows.error}` : `${workflows.outcome} (worker/dist/workflow-bundle.js)`}`);
  if (board.outcome === 'failed' || workflows.outcome === 'failed') process.exitCode = 1;
}
