/**
 * Allure results as allure-pytest writes them (`<uuid>-result.json` in an `--alluredir`), for tests
 * that need a report of a given size or shape without running pytest: the report generator, its
 * serving and the browser only see these files. Real pytest results are tested in
 * activities/src/reporting/allure.int.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AllureResultInput {
  /** The pytest node id, e.g. `tests/test_cart.py::test_total[2-4]`. */
  nodeId: string;
  status: 'passed' | 'failed' | 'broken' | 'skipped';
  /** Milliseconds (default 100). */
  durationMs?: number;
  /** A failure's message; its trace repeats it (default none). */
  message?: string;
}

/** The result allure-pytest writes for `input` (name, full name, suite labels, title path, pytest id). */
export function allureResult(input: AllureResultInput, start = 1_767_225_600_000): Record<string, unknown> {
  const [file, ...rest] = input.nodeId.split('::');
  const item = rest.at(-1)!;
  const classes = rest.slice(0, -1);
  const segments = file!.split('/');
  const module = segments.at(-1)!.replace(/\.py$/, '');
  const packageName = [...segments.slice(0, -1), module].join('.');
  const uuid = randomUUID();
  const pytestId = /\[(.*)\]$/.exec(item)?.[1];
  return {
    uuid,
    name: item,
    fullName: `${packageName}${classes.length ? `.${classes.join('.')}` : ''}#${item.split('[')[0]}`,
    status: input.status,
    ...(input.message ? { statusDetails: { message: input.message, trace: `${input.message}\n`.repeat(5) } } : {}),
    start,
    stop: start + (input.durationMs ?? 100),
    titlePath: [...segments, ...classes],
    parameters: pytestId === undefined ? [] : [{ name: 'pytest_id', value: `'${pytestId}'`, mode: 'hidden' }],
    labels: [
      { name: 'parentSuite', value: segments.slice(0, -1).join('.') || module },
      { name: 'suite', value: module },
      { name: 'host', value: 'worker-1' },
      { name: 'framework', value: 'pytest' },
      { name: 'language', value: 'cpython3' },
      { name: 'package', value: packageName },
    ],
  };
}

/** Writes one result file per input into `dir` (created); returns `dir`. */
export async function writeAllureResults(dir: string, inputs: AllureResultInput[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    inputs.map((input, i) => {
      const result = allureResult(input, 1_767_225_600_000 + i * 1000);
      return writeFile(join(dir, `${result.uuid as string}-result.json`), JSON.stringify(result));
    }),
  );
  return dir;
}
