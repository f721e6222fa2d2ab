/**
 * pytest's full failure text per test, read from the JUnit XML of a shard's attempts: the
 * progress plugin keeps only the crash line, the JUnit `<failure>`/`<error>` text keeps the
 * traceback that failure groups (domain `fingerprintFailure`) take the exception type and the
 * repository's innermost frame from. Read with fast-xml-parser, not by hand.
 */
import { readFile } from 'node:fs/promises';
import { XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: 'text',
  // Tracebacks are text: no number parsing, no trimming of their indentation.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
});

/**
 * The failure text of each of `nodeIds` found in `junitFiles` (the attempts in order: a later
 * attempt's text replaces an earlier one's, as the last attempt decides the test's outcome).
 * A file that is missing or not XML is passed over: groups then rest on the message alone.
 */
export async function readFailureTracebacks(junitFiles: readonly string[], nodeIds: readonly string[]): Promise<Map<string, string>> {
  const byCase = new Map<string, string>();
  for (const file of junitFiles) {
    const xml = await readFile(file, 'utf8').catch(() => null);
    if (xml === null) continue;
    for (const [key, text] of failureTexts(xml)) byCase.set(key, text);
  }
  const found = new Map<string, string>();
  for (const nodeId of nodeIds) {
    const text = byCase.get(junitKey(nodeId));
    if (text !== undefined) found.set(nodeId, text);
  }
  return found;
}

/** `classname`+`name` → the first failure or error text of each test case of one JUnit XML file. */
function failureTexts(xml: string): Map<string, string> {
  const texts = new Map<string, string>();
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch {
    return texts;
  }
  for (const testcase of testcases(document)) {
    const problem = [...arrayOf(testcase.failure), ...arrayOf(testcase.error)].map(textOf).find((text) => text !== null);
    if (problem && typeof testcase.name === 'string') texts.set(`${typeof testcase.classname === 'string' ? testcase.classname : ''}\u0000${testcase.name}`, problem);
  }
  return texts;
}

function testcases(document: unknown): Record<string, unknown>[] {
  const root = record(document);
  const suites = [...arrayOf(record(root?.testsuites)?.testsuite), ...arrayOf(root?.testsuite)];
  return suites.flatMap((suite) => arrayOf(record(suite)?.testcase)).map(record).filter((c): c is Record<string, unknown> => c !== null);
}

function textOf(element: unknown): string | null {
  if (typeof element === 'string') return element;
  const text = record(element)?.text;
  return typeof text === 'string' && text.trim() !== '' ? text : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : null;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/**
 * The JUnit `classname` and `name` pytest writes for a node id (its junitxml `mangle_test_address`):
 * the file's path dotted without `.py`, the classes, and the test name with its parameters.
 */
export function junitKey(nodeId: string): string {
  const bracket = nodeId.indexOf('[');
  const path = bracket === -1 ? nodeId : nodeId.slice(0, bracket);
  const params = bracket === -1 ? '' : nodeId.slice(bracket);
  const names = path.split('::');
  names[0] = names[0]!.replaceAll('/', '.').replace(/\.py$/, '');
  names[names.length - 1] += params;
  return `${names.slice(0, -1).join('.')}\u0000${names.at(-1)}`;
}
