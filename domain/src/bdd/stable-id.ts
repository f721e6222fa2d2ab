import { createHash } from 'node:crypto';
import type { Scenario as GherkinScenario } from '@cucumber/messages';

/**
 * Stable scenario ids (PRD 14.2): `{feature_path}:{line_start}:{line_end}:{sha256(name)[:8]}`.
 * The Python framework computes the same label for the Allure results it writes, so this
 * definition is a contract between the two: change both or neither.
 */

/** A feature file's path as ids use it: relative to the repository root, forward slashes, no `./`. */
export function normalizeFeaturePath(path: string): string {
  return path.replaceAll('\\', '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `{feature_path}:{line_start}:{line_end}:{sha256(name)[:8]}` for a scenario's location and trimmed name. */
export function scenarioStableId(featurePath: string, lineStart: number, lineEnd: number, name: string): string {
  return `${normalizeFeaturePath(featurePath)}:${lineStart}:${lineEnd}:${sha256Hex(name).slice(0, 8)}`;
}

/** How many lines a DocString's content spans; an empty content spans none. */
function docStringContentLines(content: string): number {
  return content === '' ? 0 : content.split('\n').length;
}

/**
 * The largest line inside a scenario: its keyword line, every step line, every row of a step's
 * DataTable, the closing delimiter of a step's DocString, and every Examples keyword, header and
 * body row line. Tags, comments, blank lines and Background steps do not count, so that a comment
 * added after a scenario does not change its id.
 */
export function scenarioLineEnd(scenario: GherkinScenario): number {
  let end = scenario.location.line;
  for (const step of scenario.steps) {
    end = Math.max(end, step.location.line);
    for (const row of step.dataTable?.rows ?? []) end = Math.max(end, row.location.line);
    if (step.docString) {
      end = Math.max(end, step.docString.location.line + docStringContentLines(step.docString.content) + 1);
    }
  }
  for (const examples of scenario.examples) {
    end = Math.max(end, examples.location.line);
    if (examples.tableHeader) end = Math.max(end, examples.tableHeader.location.line);
    for (const row of examples.tableBody) end = Math.max(end, row.location.line);
  }
  return end;
}

/**
 * The test function name pytest-bdd 9's `scenarios()` gives a scenario (`make_python_name` in
 * pytest_bdd/scenario.py): spaces become `_`, other non-word characters are dropped, leading
 * digits (and the underscores after them) are stripped, then lower-cased, prefixed with `test_`.
 * A second scenario with the same name in one module gets `_1`, `_2`…, which is why callers use
 * this only when the name is unique in the project.
 */
export function pytestBddTestName(scenarioName: string): string {
  const python = scenarioName
    .replaceAll(' ', '_')
    .replace(/[^\p{L}\p{N}_]/gu, '')
    .replace(/^\p{Nd}+_*/u, '')
    .toLowerCase();
  return `test_${python}`;
}
