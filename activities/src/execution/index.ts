/**
 * The execution building blocks of a run (DESIGN "A run, step by step", steps 2-3): secrets,
 * the git mirror and checkout, the Python environment, collection and one shard's pytest run.
 * Plain async functions without Temporal: the activity wrappers add heartbeats, cancellation
 * (through an AbortSignal) and the mapping of these errors to Temporal failures.
 */
export { abortError, CollectionError, EnvironmentSetupError, GitError, isAbortError, SecretNotFoundError, ShardExecutionError } from './errors.js';
export { redact, resolveSecret, type SecretSource } from './secrets.js';
export { materialize, mirrorPath, resolveCommit, syncMirror, type RepositoryAccess } from './git.js';
export { ensureEnvironment, PLUGIN_VERSIONS, pruneEnvironments, type EnsureEnvironmentOptions, type PythonEnvironment } from './python-env.js';
export { collectTests, type CollectOptions, type TestSelection } from './collect.js';
export { runShard, type RunShardOptions, type ShardProgress, type ShardRunResult, type TestCaseResult } from './shard-runner.js';
