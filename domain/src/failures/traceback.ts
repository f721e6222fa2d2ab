/**
 * Reading pytest's text report of a failure (its "long repr", the text of a JUnit `<failure>` or
 * `<error>` element): the frames of the exception that ended the test and that exception's type.
 * pytest's `--tb` styles differ: `long`/`auto` print a frame's source (from its `def` line) before
 * its `path:line:` location, `short` prints `path:line: in function` before the source, `native`
 * prints Python's own `File "path", line N, in function`; all are read.
 */

/** One frame of a traceback: where it is (as pytest printed it) and the function it is in. */
export interface TracebackFrame {
  path: string;
  line: number;
  /** The function's name; `<module>` for code at module level; null when pytest printed no source. */
  function: string | null;
}

export interface ParsedTraceback {
  /** Outermost first: the test function, then what it called, down to where the exception was raised. */
  frames: TracebackFrame[];
  /** The exception's type as pytest names it (qualified when Python qualifies it: `urllib3.exceptions.NewConnectionError`). */
  exceptionType: string | null;
  /** The exception's own text (the `E` lines), `Type: ` left in place. */
  exceptionText: string | null;
}

/** Python prints these between the tracebacks of chained exceptions; the last one is the exception that ended the test. */
const CHAIN_SEPARATORS = ['The above exception was the direct cause of the following exception:', 'During handling of the above exception, another exception occurred:'];

/** `path:line: message`; a fixture lookup error ends with a bare `path:line`. */
const LOCATION = /^([^\s:]\S*?):(\d+)(?::(?: (.*))?)?$/;
const NATIVE_FRAME = /^\s*File "(.+)", line (\d+), in (\S+)/;
const DEF_LINE = /^>?\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;
/** A dotted Python name at the start of an exception line, followed by `:` or the end of the line. */
const TYPE_PREFIX = /^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s|:?$)/;

/** The frames and exception of the last exception in pytest's failure text (chained causes are not the failure). */
export function parseTraceback(text: string): ParsedTraceback {
  const lines = lastChainLink(text.replace(/\r\n?/g, '\n').split('\n'));
  const frames: TracebackFrame[] = [];
  let pending: string[] = [];
  let locationType: string | null = null;
  let exceptionLines: string[] = [];
  let inException = false;
  for (const line of lines) {
    const isExceptionLine = /^E(\s|$)/.test(line);
    if (isExceptionLine) {
      if (!inException) exceptionLines = [];
      exceptionLines.push(line.replace(/^E\s?\s*/, ''));
    }
    inException = isExceptionLine;
    const native = NATIVE_FRAME.exec(line);
    if (native) {
      frames.push({ path: native[1]!, line: Number(native[2]), function: native[3]! });
      continue;
    }
    const location = isSourceLine(line) ? null : LOCATION.exec(line);
    if (!location) {
      pending.push(line);
      continue;
    }
    const message = (location[3] ?? '').trim();
    const short = /^in (\S+)$/.exec(message);
    frames.push({ path: location[1]!, line: Number(location[2]), function: short ? short[1]! : functionOfSource(pending) });
    if (!short && message) locationType = message;
    pending = [];
  }
  const exceptionText = exceptionLines.length > 0 ? exceptionLines.join('\n') : nativeExceptionLine(lines);
  return { frames, exceptionType: exceptionTypeOf(exceptionText, locationType), exceptionText };
}

function lastChainLink(lines: string[]): string[] {
  const last = lines.findLastIndex((line) => CHAIN_SEPARATORS.includes(line.trim()));
  return last === -1 ? lines : lines.slice(last + 1);
}

/** Source and exception lines pytest indents or marks (`>`, `E`); a location line starts with its path. */
function isSourceLine(line: string): boolean {
  return /^(\s|>|E\s|E$|_ _)/.test(line) || line.startsWith('Traceback') || line.startsWith('Hint:');
}

/**
 * A long-style frame prints its function's source from the `def` line, the failing line marked
 * `>`; a function defined inside it is indented deeper, so the frame's own `def` is the least indented.
 */
function functionOfSource(source: readonly string[]): string | null {
  const marked = source.findIndex((line) => line.startsWith('>'));
  const upTo = marked === -1 ? source : source.slice(0, marked + 1);
  const indent = (line: string) => /^>?(\s*)/.exec(line)![1]!.length + (line.startsWith('>') ? 1 : 0);
  const defs = upTo.filter((line) => DEF_LINE.test(line));
  const outer = defs.reduce<string | undefined>((best, line) => (best === undefined || indent(line) < indent(best) ? line : best), undefined);
  if (outer) return DEF_LINE.exec(outer)![1]!;
  return marked === -1 ? null : '<module>';
}

/** `--tb=native` ends with Python's own exception lines (`Type: message`, maybe more lines) after the last frame's source. */
function nativeExceptionLine(lines: readonly string[]): string | null {
  const lastFrame = lines.findLastIndex((line) => NATIVE_FRAME.test(line));
  if (lastFrame === -1) return null;
  const start = lines.findIndex((line, i) => i > lastFrame && line.trim() !== '' && !/^\s/.test(line));
  return start === -1 ? null : lines.slice(start).join('\n').trim();
}

/**
 * The exception's type: the qualified name the exception line starts with, else the name on the
 * innermost frame's location line (pytest's rewritten asserts print `assert 3 == 4` there, without
 * `AssertionError: `).
 */
function exceptionTypeOf(exceptionText: string | null, locationType: string | null): string | null {
  const first = exceptionText?.split('\n')[0]?.trim() ?? '';
  const prefix = TYPE_PREFIX.exec(first)?.[1];
  if (prefix && (locationType === null || prefix === locationType || prefix.endsWith(`.${locationType}`))) return prefix;
  if (locationType && TYPE_PREFIX.test(locationType)) return locationType;
  // pytest's own error for a missing fixture prints only `fixture 'name' not found`.
  if (/^fixture '.*' not found$/.test(first)) return 'FixtureLookupError';
  return prefix ?? null;
}
