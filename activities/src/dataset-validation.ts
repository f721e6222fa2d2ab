/**
 * Dataset validation with Great Expectations (PRD FR-DATA-02): a version's content checked against
 * its expectation suite by a small Python script in a cached virtual environment. It runs on an
 * execution worker (`qatron-shards`), which has Python and keeps the venv caches.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { LockMode } from '@mikro-orm/postgresql';
import { DatasetVersion, type DatasetValidationActivities, type DatasetValidationStatus } from '@qatron/domain';
import type { ActivityDeps } from './deps.js';
import { activityFailure, asActivityFailure } from './failures.js';
import { downloadDatasetVersion } from './execution/datasets.js';
import { EnvironmentSetupError } from './execution/errors.js';
import { baseEnvironment, runCommand } from './execution/process.js';
import { cachedVenv, describePython, PIP_SETTINGS } from './execution/python-env.js';

/** The Great Expectations release every validation runs with: reports stay comparable across workers. */
export const GREAT_EXPECTATIONS_VERSION = '1.24.1';
/** pandas and numpy read the data: pinned too, so a new release cannot change a verdict on a fresh build. */
const DATA_LIBRARIES = ['pandas==3.1.1', 'numpy==2.4.6'];
/** The script that reads the file into pandas and runs the suite (prints one JSON summary). */
export const VALIDATE_SCRIPT = fileURLToPath(new URL('./dataset-validation/validate.py', import.meta.url));

/** Bumped when the way the validation venv is built changes, so an old cache entry is not reused. */
const LAYOUT_VERSION = 1;
const KEEPALIVE_HEARTBEAT_MS = 2000;
/** A suite replaced while it was being validated is validated again, at most this many times. */
const MAX_ROUNDS = 3;

/** One expectation's outcome in a version's `validationReport`. */
export interface ExpectationOutcome {
  type: string;
  kwargs: Record<string, unknown>;
  success: boolean;
  observed_value?: unknown;
  unexpected_count?: number;
  /** The first 20 unexpected values. */
  partial_unexpected_list?: unknown[];
  /** Why the expectation could not be evaluated: unknown type, invalid kwargs, a missing column. */
  exception?: string;
}

/** A version's `validationReport`: GE's verdict per expectation, summed. */
export interface ValidationReport {
  success: boolean;
  evaluated: number;
  successful: number;
  unsuccessful: number;
  results: ExpectationOutcome[];
  ge_version: string;
  /** Set when nothing could be evaluated: an unreadable file, no suite, a worker that could not validate. */
  error?: string;
}

export interface DatasetValidationResult {
  versionId: number;
  status: DatasetValidationStatus;
}

/** Where a worker keeps the validation venv (under `venvs/`, pruned like the run environments). */
export function validationCacheDir(workDir: string): string {
  return join(resolve(workDir), 'dataset-validation');
}

/**
 * The validation venv: `great-expectations` pinned, under `<workDir>/dataset-validation/venvs/<key>`
 * where the key hashes the interpreter and the pin. Built once per machine in a temporary directory
 * renamed into place, under the same kind of lock file the test environments use.
 * @returns the venv's python.
 */
export async function ensureValidationEnvironment(workDir: string, options: { python?: string; signal?: AbortSignal; onOutput?: (line: string) => void } = {}): Promise<string> {
  const venvs = join(validationCacheDir(workDir), 'venvs');
  const env = { ...baseEnvironment(process.env, PIP_SETTINGS), PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_PROGRESS_BAR: 'off', PYTHONUTF8: '1' };
  const basePython = options.python ?? 'python3';
  const python = await describePython(basePython, env, options.signal);
  const requirements = [`great-expectations==${GREAT_EXPECTATIONS_VERSION}`, ...DATA_LIBRARIES];
  const key = createHash('sha256')
    .update(JSON.stringify({ layout: LAYOUT_VERSION, python: [python.version, python.executable, python.machine], requirements }))
    .digest('hex')
    .slice(0, 24);
  const step = async (what: string, command: string, args: string[]) => {
    const out = await runCommand(command, args, { env, signal: options.signal, onLine: options.onOutput, tailLines: 40 });
    if (out.exitCode !== 0) throw new EnvironmentSetupError(`${what} failed (exit code ${out.exitCode ?? out.signal}):\n${out.tail.join('\n').trim()}`);
  };
  // Nothing in the venv holds its own path that QAtron uses: the script runs as `python validate.py`.
  const venv = await cachedVenv(
    venvs,
    key,
    async (partial) => {
      await step('creating the validation environment', basePython, ['-m', 'venv', partial]);
      await step('installing Great Expectations', join(partial, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', ...requirements]);
      return { python, requirements };
    },
    options.signal,
  );
  return join(venv.path, 'bin', 'python');
}

/**
 * Runs the validation script on `file` with `suite` (GE's JSON format) in the venv of `python`.
 * Whatever the suite says, the answer is a report; only a script that cannot run at all throws.
 */
export async function runValidation(python: string, file: string, suite: unknown, signal?: AbortSignal): Promise<ValidationReport> {
  const env = { ...baseEnvironment(process.env), PYTHONUTF8: '1', GX_ANALYTICS_ENABLED: 'False' };
  const out = await runCommand(python, [VALIDATE_SCRIPT, file], { env, signal, capture: true, input: JSON.stringify(suite), tailLines: 40 });
  const last = out.stdout.trim().split('\n').pop() ?? '';
  if (out.exitCode !== 0 || !last.startsWith('{')) {
    throw new Error(`the validation script failed (exit code ${out.exitCode ?? out.signal}):\n${out.tail.join('\n').trim()}`);
  }
  return JSON.parse(last) as ValidationReport;
}

/** The report of a validation that could not evaluate anything. */
export function failedReport(error: string): ValidationReport {
  return { success: false, evaluated: 0, successful: 0, unsuccessful: 0, results: [], ge_version: GREAT_EXPECTATIONS_VERSION, error };
}

/** Stores a verdict; `expectations` is the suite it is about: a suite replaced meanwhile keeps the version pending. */
async function storeVerdict(deps: DatasetValidationDeps, versionId: number, expectations: unknown, report: ValidationReport): Promise<DatasetValidationStatus | null> {
  return deps.orm.em.fork().transactional(async (tx) => {
    const version = await tx.findOne(DatasetVersion, { id: versionId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!version) return null;
    if (!isDeepStrictEqual(version.expectations, expectations)) return null;
    version.validationStatus = report.success ? 'passed' : 'failed';
    version.validationReport = report;
    version.validatedAt = new Date();
    return version.validationStatus;
  });
}

/** What validation needs of the worker: the database, the artifact store and its directory (venv cache). */
export type DatasetValidationDeps = Pick<ActivityDeps, 'orm' | 'store' | 'workDir'>;

/** FR-DATA-02 on an execution worker: validate a dataset version, and record the outcome when it cannot be. */
export function createDatasetValidationActivities(deps: DatasetValidationDeps): DatasetValidationActivities {
  return {
    /**
     * Downloads the version (checksum checked), runs its expectation suite through Great
     * Expectations and stores `validationStatus`, `validationReport` and `validatedAt`. A suite
     * replaced while it ran is validated again, so the stored verdict is always about the stored suite.
     */
    async validateDatasetVersion(input: { versionId: number }): Promise<DatasetValidationResult> {
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      const workTree = join(deps.workDir, 'dataset-validation', 'work', `${input.versionId}-${ctx.info.attempt}-${randomBytes(4).toString('hex')}`);
      const keepalive = setInterval(() => ctx.heartbeat(), KEEPALIVE_HEARTBEAT_MS);
      const missing = () => activityFailure('DatasetVersionNotFound', `dataset version ${input.versionId} does not exist`);
      try {
        if ((await deps.orm.em.fork().count(DatasetVersion, { id: input.versionId })) === 0) throw missing();
        const python = await ensureValidationEnvironment(deps.workDir, { signal });
        const file = (await downloadDatasetVersion(deps.orm.em.fork(), deps.store, input.versionId, workTree)).entry.path;
        for (let round = 1; ; round++) {
          const version = await deps.orm.em.fork().findOne(DatasetVersion, { id: input.versionId });
          if (!version) throw missing();
          const report = version.expectations === null ? failedReport('the version has no expectation suite') : await runValidation(python, file, version.expectations, signal);
          const status = await storeVerdict(deps, input.versionId, version.expectations, report);
          if (status !== null) return { versionId: input.versionId, status };
          if (round >= MAX_ROUNDS) return { versionId: input.versionId, status: 'pending' };
        }
      } catch (err) {
        throw asActivityFailure(err, { as: 'DatasetValidationError' });
      } finally {
        clearInterval(keepalive);
        await rm(workTree, { recursive: true, force: true }).catch(() => undefined);
      }
    },

    /**
     * The version could not be validated at all (no worker could build the environment, the content
     * is gone from the store): record that as a failed validation saying why, instead of leaving
     * the version pending forever. Light database work, on the control queue.
     */
    async recordDatasetValidationError(input: { versionId: number; message: string }): Promise<DatasetValidationResult> {
      const version = await deps.orm.em.fork().findOne(DatasetVersion, { id: input.versionId });
      const status = version ? await storeVerdict(deps, input.versionId, version.expectations, failedReport(input.message)) : null;
      return { versionId: input.versionId, status: status ?? 'pending' };
    },
  };
}
