import { describe, expect, it } from 'vitest';
import { componentSummary, fmt, spread, table, verdict, waterfall } from './report.js';

describe('spread and verdict', () => {
  it('takes the nearest-rank median, an observed value', () => {
    expect(spread([3, 1, 2, 5, 4])).toEqual({ median: 3, max: 5, min: 1, count: 5 });
    expect(spread([1, 2, 3, 4]).median).toBe(2);
    expect(spread([Number.NaN, 2]).count).toBe(1);
    expect(spread([]).count).toBe(0);
  });

  it('judges the median against the target and mentions a max above it', () => {
    expect(verdict(spread([1, 2, 2.5]))).toBe('meets (every run <= 3 s)');
    expect(verdict(spread([1, 2, 3.5]))).toBe('meets on the median, but the max 3.50 s > 3 s');
    expect(verdict(spread([3.2, 4, 2]))).toBe('MISSES (median 3.20 s > 3 s)');
    expect(verdict(spread([]))).toBe('NO DATA');
  });
});

describe('printing', () => {
  it('formats seconds and leaves missing figures readable', () => {
    expect(fmt(1.23456)).toBe('1.235');
    expect(fmt(Number.NaN)).toBe('n/a');
  });

  it('draws a waterfall from the chain start', () => {
    expect(waterfall('sent', [{ key: 'k', label: 'done', seconds: 0.25, offsetSeconds: 0.25 }], '')).toEqual(['+  0.000           sent', '+  0.250    0.250  done']);
  });

  it('aligns tables', () => {
    expect(table(['a', 'bb'], [['xyz', '1']], '')).toEqual(['a    bb', 'xyz   1']);
  });

  it('keeps a step that only some runs have where its run has it', () => {
    const seg = (key: string, seconds: number) => ({ key, label: key, seconds, offsetSeconds: 0 });
    const lines = componentSummary([[seg('a', 1), seg('c', 1)], [seg('a', 1), seg('b', 2), seg('c', 1)]], '');
    expect(lines.slice(1).map((l) => l.split(' ')[0])).toEqual(['a', 'b', 'c']);
    expect(lines[2]).toContain('1/2');
  });

  it('summarizes each step over the runs in the order of their first appearance', () => {
    const lines = componentSummary(
      [
        [
          { key: 'x', label: 'X', seconds: 1, offsetSeconds: 1 },
          { key: 'y', label: 'Y', seconds: 2, offsetSeconds: 3 },
        ],
        [{ key: 'y', label: 'Y', seconds: 4, offsetSeconds: 4 }],
      ],
      '',
    );
    expect(lines).toEqual(['step ending at  median s  max s  runs', 'x                  1.000  1.000   1/2', 'y                  2.000  4.000   2/2']);
  });
});
