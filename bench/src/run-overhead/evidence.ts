/**
 * What pytest itself recorded about a shard, read back from the shard's stored artifacts: when the
 * pytest session started and ended (the JUnit XML `timestamp` and `time` of `<testsuite>`, written
 * by pytest's junitxml plugin at pytest_sessionstart / pytest_sessionfinish) and when the first test
 * started and the last one finished (the `start`/`stop` epoch milliseconds of the Allure results).
 * Pure: the bench fetches the bytes, these functions only read them.
 */
import { gunzipSync } from 'node:zlib';

export interface JunitSession {
  /** pytest_sessionstart, epoch ms: pytest is up (interpreter, plugins, conftest loaded) and about to collect. */
  startMs: number;
  /** startMs + the suite's `time`: pytest_sessionfinish, after the last test and its teardown. */
  finishMs: number;
  tests: number;
}

/**
 * An ISO 8601 timestamp as epoch milliseconds, keeping sub-millisecond digits (pytest writes
 * microseconds). A timestamp without a zone is local time, as older pytest versions wrote it.
 */
export function parseIsoTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text.trim());
  if (!m) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fraction = frac ? Number(`0.${frac}`) * 1000 : 0;
  if (zone === undefined) return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime() + fraction;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + fraction;
  if (zone === 'Z') return utc;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const offsetMinutes = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * (z[1] === '-' ? -1 : 1);
  return utc - offsetMinutes * 60_000;
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m?.[1];
}

/** The session of the first `<testsuite>` of a pytest JUnit XML report. */
export function parseJunitSession(xml: string): JunitSession {
  const tag = /<testsuite\s[^>]*>/.exec(xml)?.[0];
  if (!tag) throw new Error('no <testsuite> element in the JUnit XML');
  const timestamp = attribute(tag, 'timestamp');
  const time = attribute(tag, 'time');
  if (timestamp === undefined || time === undefined) throw new Error(`<testsuite> without timestamp/time: ${tag}`);
  const startMs = parseIsoTimestamp(timestamp);
  return { startMs, finishMs: startMs + Number(time) * 1000, tests: Number(attribute(tag, 'tests') ?? 0) };
}

export interface AllureTimes {
  /** Test results found (`*-result.json`). */
  tests: number;
  /** Earliest `start` of a test result: the first test's call phase began. */
  firstTestStartMs: number;
  /** Latest `stop` in any result or container (fixture teardown included): the shard's last test was done. */
  lastTestDoneMs: number;
}

interface AllureStamped {
  start?: number;
  stop?: number;
  befores?: AllureStamped[];
  afters?: AllureStamped[];
}

/** First start and last stop over the Allure results and containers of one shard. */
export function allureTimes(files: ReadonlyArray<{ name: string; text: string }>): AllureTimes {
  let tests = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const stops = (item: AllureStamped) => {
    if (typeof item.stop === 'number') last = Math.max(last, item.stop);
    for (const nested of [...(item.befores ?? []), ...(item.afters ?? [])]) stops(nested);
  };
  for (const file of files) {
    const isResult = file.name.endsWith('-result.json');
    if (!isResult && !file.name.endsWith('-container.json')) continue;
    const item = JSON.parse(file.text) as AllureStamped;
    if (isResult) {
      tests++;
      if (typeof item.start === 'number') first = Math.min(first, item.start);
    }
    stops(item);
  }
  if (tests === 0) throw new Error('no Allure test results in the archive');
  return { tests, firstTestStartMs: first, lastTestDoneMs: last };
}

/**
 * The regular files of a .tar.gz (ustar/GNU; what `tar -czf` writes), with their paths. Enough
 * for the shard's `allure-results.tar.gz`: no links, no sparse files.
 */
export function readTarGz(archive: Buffer): Array<{ name: string; data: Buffer }> {
  const tar = gunzipSync(archive);
  const files: Array<{ name: string; data: Buffer }> = [];
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0') files.push({ name, data: Buffer.from(data) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
