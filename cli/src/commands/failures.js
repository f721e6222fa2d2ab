import { EXIT, UsageError } from '../errors.js';
import { isId, oneArg } from '../resolve.js';

/** @typedef {import('../types.js').Command} Command */

/** @typedef {import('@qatron/api-types').RunFailureGroups} RunFailureGroups */

/** How many node ids a group lists before "and N more". */
const SHOWN_NODE_IDS = 10;

/**
 * The groups as people read them: one block per group, largest first, with what it is made of and
 * its tests (STYLE 12: formatting apart from fetching).
 * @param {RunFailureGroups} answer
 * @returns {string[]}
 */
export function failureGroupLines(answer) {
  const fresh = answer.groups.filter((g) => !g.known).length;
  const lines = [`Run ${answer.run_id}: ${answer.failures} failure(s) in ${answer.groups.length} group(s), ${fresh} new`];
  if (answer.ungrouped > 0) lines.push(`${answer.ungrouped} failure(s) recorded before failure groups existed are not grouped`);
  for (const group of answer.groups) {
    const status = group.known ? `known since run ${group.first_seen_run_id}` : 'NEW';
    lines.push('', `${group.count} × ${group.exception_type ?? 'unknown error'} (${status}) ${group.fingerprint}`);
    lines.push(`  at       ${group.frame ?? '(no frame in the repository)'}`);
    lines.push(`  message  ${group.normalized_message}`);
    if (group.message) lines.push(`  e.g.     ${group.message.split('\n')[0]}`);
    for (const nodeId of group.node_ids.slice(0, SHOWN_NODE_IDS)) lines.push(`  - ${nodeId}`);
    if (group.node_ids.length > SHOWN_NODE_IDS) lines.push(`  … and ${group.node_ids.length - SHOWN_NODE_IDS} more`);
  }
  return lines;
}

/** @type {Command} */
const failures = {
  name: 'failures',
  summary: "Show a run's failures grouped by cause, each new or known from earlier runs",
  usage: 'qatron failures RUN',
  examples: ['qatron failures 42', 'qatron failures 42 --output json'],
  needsAuth: true,
  async run({ args, client, output }) {
    const value = oneArg(args, 'RUN', 'failures');
    if (!isId(value)) throw new UsageError(`RUN must be a run id, not "${value}"`);
    /** @type {RunFailureGroups} */
    const answer = await client.request('GET', `/api/v1/runs/${value}/failure-groups`);
    if (output.structured) output.print(answer);
    else for (const line of failureGroupLines(answer)) output.note(line);
    return EXIT.OK;
  },
};

export default failures;
