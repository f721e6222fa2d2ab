/**
 * Scoring the classifier against the ground truth, pure: the confusion matrix (truth × label),
 * precision and recall of `flaky`, and what became of the regressions. A test the API did not
 * answer counts as `missing`, so that nothing silently drops out of the score.
 */
import { TEST_KINDS, type TestKind } from './plan.js';

export const LABELS = ['stable', 'flaky', 'broken', 'new', 'missing'] as const;
export type Label = (typeof LABELS)[number];

/** The targets (issue 15 item 6). */
export const TARGETS = { precision: 0.95, recall: 0.9, regressionsFlaky: 0 } as const;

export interface TestHealthScore {
  /** confusion[truth][label]: how many tests of that kind got that label. */
  confusion: Record<TestKind, Record<Label, number>>;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FP); NaN when nothing was labelled flaky. */
  precision: number;
  /** TP / (TP + FN); NaN when no test is flaky. */
  recall: number;
  regressionsFlaky: number;
  regressionsBroken: number;
  /** Labels for node ids that are not in the ground truth (should be none). */
  unexpected: number;
}

const emptyRow = (): Record<Label, number> => ({ stable: 0, flaky: 0, broken: 0, new: 0, missing: 0 });

/** Whether `value` is one of the labels the API answers. */
export function isLabel(value: string): value is Label {
  return (LABELS as readonly string[]).includes(value);
}

/** Scores `labels` (node id → classification) against `truth` (node id → kind). */
export function scoreClassifications(truth: ReadonlyMap<string, TestKind>, labels: ReadonlyMap<string, Label>): TestHealthScore {
  const confusion: Record<TestKind, Record<Label, number>> = { stable: emptyRow(), flaky: emptyRow(), regression: emptyRow() };
  for (const [nodeId, kind] of truth) confusion[kind][labels.get(nodeId) ?? 'missing'] += 1;
  const truePositives = confusion.flaky.flaky;
  const falsePositives = confusion.stable.flaky + confusion.regression.flaky;
  const falseNegatives = LABELS.filter((l) => l !== 'flaky').reduce((n, l) => n + confusion.flaky[l], 0);
  return {
    confusion,
    truePositives,
    falsePositives,
    falseNegatives,
    precision: truePositives / (truePositives + falsePositives),
    recall: truePositives / (truePositives + falseNegatives),
    regressionsFlaky: confusion.regression.flaky,
    regressionsBroken: confusion.regression.broken,
    unexpected: [...labels.keys()].filter((nodeId) => !truth.has(nodeId)).length,
  };
}

const ratio = (value: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(3));
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** The score as printed lines: figures against the targets, then the confusion matrix. */
export function scoreLines(score: TestHealthScore): string[] {
  const width = Math.max(...LABELS.map((l) => l.length), 7) + 2;
  const cell = (text: string | number) => String(text).padStart(width);
  const lines = [
    `flaky precision: ${ratio(score.precision)} (TP ${score.truePositives} / (TP + FP ${score.falsePositives})), target >= ${TARGETS.precision}: ${mark(score.precision >= TARGETS.precision)}`,
    `flaky recall:    ${ratio(score.recall)} (TP ${score.truePositives} / (TP + FN ${score.falseNegatives})), target >= ${TARGETS.recall}: ${mark(score.recall >= TARGETS.recall)}`,
    `regressions labelled flaky: ${score.regressionsFlaky}, target ${TARGETS.regressionsFlaky}: ${mark(score.regressionsFlaky === TARGETS.regressionsFlaky)}`,
    `regressions labelled broken: ${score.regressionsBroken} of ${Object.values(score.confusion.regression).reduce((a, b) => a + b, 0)}`,
    '',
    `confusion matrix (rows: truth, columns: label from GET /api/v1/projects/{id}/tests):`,
    `${'truth'.padEnd(12)}${LABELS.map(cell).join('')}`,
    ...TEST_KINDS.map((kind) => `${kind.padEnd(12)}${LABELS.map((l) => cell(score.confusion[kind][l])).join('')}`),
  ];
  if (score.unexpected > 0) lines.push(`${score.unexpected} labelled test(s) not in the generated suite`);
  return lines;
}
