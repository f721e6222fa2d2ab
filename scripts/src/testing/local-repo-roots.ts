import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../embedded/temporal.js';

/**
 * QATRON_LOCAL_REPO_ROOTS for test and bench stacks: their fixture repositories live in the
 * system temp directory or under `.tools/cache` (issue 13, item 2). Workers' own directories
 * there stay refused by the rule itself.
 */
export const TEST_LOCAL_REPO_ROOTS = [tmpdir(), join(REPO_ROOT, '.tools', 'cache')].join(':');
