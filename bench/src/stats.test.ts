import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.js';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('answers the nearest-rank sample, never an interpolated value', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('handles the edges', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile(hundred, 0)).toBe(1);
    expect(() => percentile([], 50)).toThrow('percentile of no samples');
  });
});

describe('summarize', () => {
  it('sorts the samples first and reports p50, p95, p99 and max', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    expect(summarize(samples)).toEqual({ count: 1000, p50: 499, p95: 949, p99: 989, max: 999 });
  });
});
