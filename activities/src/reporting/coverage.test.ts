import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../testing/rejection.js';
import { combineCoverage, CoverageUnavailableError, summaryOf } from './coverage.js';

describe('combineCoverage', () => {
  it('throws CoverageUnavailableError when there is no data file (coverage off, or every shard lost)', async () => {
    const error = await rejectionOf(combineCoverage({ python: '/nonexistent/python', checkoutDir: '/nonexistent', dataFiles: [], outDir: '/nonexistent/out' }));
    expect(error).toBeInstanceOf(CoverageUnavailableError);
    expect(error.message).toBe('no coverage data to combine: coverage was off for the run, or no shard produced a coverage data file');
  });
});

describe('summaryOf', () => {
  it("takes coverage.py's display percentages and sorts the files by path", () => {
    const file = (statements: number, missing: number, display: string) => ({ summary: { covered_lines: statements - missing, num_statements: statements, missing_lines: missing, percent_covered: 0, percent_covered_display: display } });
    const summary = summaryOf({
      totals: { covered_lines: 29, num_statements: 33, missing_lines: 4, percent_covered_display: '87.88' },
      files: { 'src/shop/pricing.py': file(9, 3, '66.67'), 'src/shop/cart.py': file(15, 0, '100.00'), 'src/shop/inventory.py': file(9, 1, '88.89') },
    });
    expect(summary).toEqual({
      percent: 87.88,
      coveredLines: 29,
      totalLines: 33,
      files: [
        { path: 'src/shop/cart.py', percent: 100, statements: 15, missing: 0 },
        { path: 'src/shop/inventory.py', percent: 88.89, statements: 9, missing: 1 },
        { path: 'src/shop/pricing.py', percent: 66.67, statements: 9, missing: 3 },
      ],
    });
  });
});
