/**
 * Per-file durations from pytest's JUnit XML: the history the planner needs (DESIGN step 4
 * records per-test durations; step 2 plans from them). pytest writes one flat `<testcase>` element
 * per test with double-quoted attributes, so a small scanner is enough and keeps the bench free of
 * an XML dependency.
 */

/** One `<testcase>` of a JUnit report: the attributes the bench uses. */
export interface JunitCase {
  classname: string;
  name: string;
  /** The test's file relative to pytest's rootdir (xunit1 reports only). */
  file: string | undefined;
  /** setup + call + teardown, in seconds. */
  seconds: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML character references and the five predefined entities of an attribute value. */
export function decodeXmlAttribute(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Every `<testcase>` of a JUnit XML document, in document order. */
export function parseJunitCases(xml: string): JunitCase[] {
  const cases: JunitCase[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)\/?>/g)) {
    const attributes = new Map<string, string>();
    for (const attribute of match[1]!.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attributes.set(attribute[1]!, decodeXmlAttribute(attribute[2]!));
    const seconds = Number.parseFloat(attributes.get('time') ?? '0');
    cases.push({
      classname: attributes.get('classname') ?? '',
      name: attributes.get('name') ?? '',
      file: attributes.get('file'),
      seconds: Number.isFinite(seconds) ? seconds : 0,
    });
  }
  return cases;
}

/**
 * The file a case belongs to: its `file` attribute, or else (xunit2 reports) the longest dotted
 * prefix of its classname that names one of `knownFiles` (`tests.test_a.TestX` → `tests/test_a.py`).
 */
export function caseFile(testCase: JunitCase, knownFiles: ReadonlySet<string> = new Set()): string | undefined {
  if (testCase.file) return testCase.file;
  const parts = testCase.classname.split('.');
  for (let n = parts.length; n > 0; n--) {
    const candidate = `${parts.slice(0, n).join('/')}.py`;
    if (knownFiles.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Sums the test durations of one or more JUnit reports per file, in seconds: the per-file history
 * `planShards` takes. Cases whose file cannot be told are left out (the planner gives unknown
 * files the median of the known ones).
 */
export function fileDurationsFromJunit(reports: readonly string[], knownFiles: ReadonlySet<string> = new Set()): Map<string, number> {
  const durations = new Map<string, number>();
  for (const xml of reports) {
    for (const testCase of parseJunitCases(xml)) {
      const file = caseFile(testCase, knownFiles);
      if (file !== undefined) durations.set(file, (durations.get(file) ?? 0) + testCase.seconds);
    }
  }
  return durations;
}
