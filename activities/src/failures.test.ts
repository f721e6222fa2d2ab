import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { NON_RETRYABLE_ERRORS, RETRYABLE_ERRORS } from '@qatron/domain/contract';
import { CollectionError, EnvironmentSetupError, GitError, SecretNotFoundError, ShardExecutionError } from './execution/errors.js';
import { activityFailure, asActivityFailure } from './failures.js';

/** The contract's one list of non-retryable errors decides, on the activity side too (issue 14 item 2). */
describe('activity failures', () => {
  it('names every execution error class in the contract, so a workflow can tell them apart', () => {
    const named = [new SecretNotFoundError('X', []), new GitError('g'), new EnvironmentSetupError('e'), new CollectionError('c', 2), new ShardExecutionError('s', 3)];
    const known: readonly string[] = [...NON_RETRYABLE_ERRORS, ...RETRYABLE_ERRORS];
    for (const error of named) expect(known).toContain((asActivityFailure(error) as ApplicationFailure).type);
  });

  it('makes a failure final exactly when its type is in NON_RETRYABLE_ERRORS', () => {
    expect(asActivityFailure(new CollectionError('cannot import', 2))).toMatchObject({ type: 'CollectionError', nonRetryable: true });
    expect(asActivityFailure(new SecretNotFoundError('TOKEN', ['env']))).toMatchObject({ type: 'SecretNotFoundError', nonRetryable: true });
    expect(asActivityFailure(new GitError('fetch failed'))).toMatchObject({ type: 'GitError', nonRetryable: false });
    expect(asActivityFailure(new TypeError('bug'))).toMatchObject({ type: 'TypeError', nonRetryable: false });
    expect(activityFailure('RunNotFound', 'run 1 does not exist')).toMatchObject({ type: 'RunNotFound', nonRetryable: true });
    expect(activityFailure('RetentionSweepIncomplete', 'one run kept')).toMatchObject({ type: 'RetentionSweepIncomplete', nonRetryable: false });
  });

  it('gives every error one retryable type when asked (dataset validation builds its own environment)', () => {
    expect(asActivityFailure(new EnvironmentSetupError('pip failed'), { as: 'DatasetValidationError' })).toMatchObject({ type: 'DatasetValidationError', nonRetryable: false });
    expect(asActivityFailure(new Error('script failed'), { plainType: 'DatasetValidationError' })).toMatchObject({ type: 'DatasetValidationError', nonRetryable: false });
  });

  it('redacts secrets and passes cancellations and shaped failures through', () => {
    expect(asActivityFailure(new GitError('clone of https://x:s3cret@host failed'), { secrets: ['s3cret'] })).toMatchObject({ message: expect.not.stringContaining('s3cret') });
    const shaped = ApplicationFailure.create({ type: 'RunNotFound', nonRetryable: true });
    expect(asActivityFailure(shaped)).toBe(shaped);
    const abort = Object.assign(new Error('cancelled'), { name: 'AbortError' });
    expect(asActivityFailure(abort)).toBe(abort);
  });
});
