/**
 * Which tests a run's shards collect: the suite's selection (paths, `-m`, `-k`), or for a re-run
 * (issue 15 item 3) exactly the node ids the API chose from the original run, carried in the run's
 * metadata so that the workflow and its inputs stay as they were.
 */
import { selectionShardCount, type Run, type Suite } from '@qatron/domain';
import type { TestSelection } from '../execution/collect.js';

export function runSelection(run: Run, suite: Suite): TestSelection {
  const nodeIds = run.runMetadata.selection?.node_ids;
  if (nodeIds) return { paths: [], markers: '', keywords: '', nodeIds };
  return { paths: suite.paths, markers: suite.markers, keywords: suite.keywords };
}

/** The shards the run starts: the suite's, or for a re-run no more than the files its tests live in. */
export function runShardCount(run: Run, suite: Suite): number {
  const nodeIds = run.runMetadata.selection?.node_ids;
  return nodeIds ? selectionShardCount(nodeIds, suite.shards) : suite.shards;
}
