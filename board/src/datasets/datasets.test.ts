import { describe, expect, it } from 'vitest';
import { kwargsLabel, nextVersionLabel, reportValue, shortChecksum, uploadFileName } from './datasets';
import { environmentGates, gateSummary, type ProjectUsage } from './gate';

const environment = (id: number, name: string, datasetId: number | null, projectId = 1) => ({ id, name, project_id: projectId, dataset_id: datasetId });
const suite = (name: string, requireDatasetHealth: boolean) => ({ name, require_dataset_health: requireDatasetHealth });
const newest = (status: 'pending' | 'passed' | 'failed') => ({ validation_status: status });

/** A shared dataset used by shop's staging (suites smoke and nightly need health) and by blog's preview (none does). */
const usage: ProjectUsage[] = [
  { project: { id: 2, name: 'shop' }, environments: [environment(3, 'staging', 11, 2), environment(4, 'dev', null, 2)], suites: [suite('smoke', true), suite('unit', false), suite('nightly', true)] },
  { project: { id: 1, name: 'blog' }, environments: [environment(5, 'preview', 11)], suites: [suite('e2e', false)] },
];

describe('environmentGates', () => {
  it('lists every environment naming the dataset, by project, with the suites its newest version blocks', () => {
    const gates = environmentGates(11, newest('failed'), usage);
    expect(gates.map((g) => [g.projectName, g.environment.name, g.status, g.blockedSuites, gateSummary(g)])).toEqual([
      ['blog', 'preview', 'failed', [], 'ok: no suite requires a validated dataset'],
      ['shop', 'staging', 'failed', ['nightly', 'smoke'], 'blocks runs of suites nightly, smoke (newest version failed)'],
    ]);
  });

  it('lets every suite run once the newest version passed, and blocks them while it is pending or when there is none', () => {
    expect(environmentGates(11, newest('passed'), usage).map(gateSummary)).toEqual(['ok: no suite requires a validated dataset', 'ok']);
    expect(gateSummary(environmentGates(11, newest('pending'), usage)[1]!)).toBe('blocks runs of suites nightly, smoke (newest version pending)');
    expect(gateSummary(environmentGates(11, null, usage)[1]!)).toBe('blocks runs of suites nightly, smoke (no version yet)');
    expect(environmentGates(12, null, usage)).toEqual([]);
  });
});

describe('dataset helpers', () => {
  it('shortens a checksum to its algorithm and 12 hex digits', () => {
    expect(shortChecksum(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
    expect(shortChecksum(null)).toBe('—');
  });

  it('proposes the next numbered label, v1 for the first, nothing after a label it cannot count on', () => {
    expect(nextVersionLabel('v9')).toBe('v10');
    expect(nextVersionLabel('3')).toBe('4');
    expect(nextVersionLabel(null)).toBe('v1');
    expect(nextVersionLabel('2026-12-01')).toBe('');
  });

  it("keeps the chosen file's name and extension, with characters the API refuses replaced", () => {
    expect(uploadFileName('customers.csv')).toBe('customers.csv');
    expect(uploadFileName('my data (2).jsonl')).toBe('my_data__2_.jsonl');
    expect(uploadFileName('.hidden.csv')).toBe('hidden.csv');
    expect(uploadFileName('···')).toBeUndefined();
  });

  it("writes report values and an expectation's arguments on one line", () => {
    expect(reportValue('x')).toBe('x');
    expect(reportValue({ min: 1 })).toBe('{"min":1}');
    expect(reportValue(undefined)).toBe('—');
    expect(kwargsLabel({ column: 'age', value_set: [1, 2] })).toBe('column=age, value_set=[1,2]');
    expect(kwargsLabel({})).toBe('—');
  });
});
