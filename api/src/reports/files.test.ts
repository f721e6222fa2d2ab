import { describe, expect, it } from 'vitest';
import { isReportFilePath, REPORT_CONTENT_SECURITY_POLICY, reportContentType, reportPrefix } from './files.js';

describe('reportContentType', () => {
  it('types the files of an Allure report by extension, with a charset for text', () => {
    expect(reportContentType('index.html')).toBe('text/html; charset=utf-8');
    expect(reportContentType('app-b3323b2606f19801ef1b.js')).toBe('text/javascript; charset=utf-8');
    expect(reportContentType('widgets/tree.json')).toBe('application/json');
    expect(reportContentType('data/attachments/5f1c.PNG')).toBe('image/png');
    expect(reportContentType('data/attachments/trace.zip')).toBe('application/zip');
    expect(reportContentType('app.js.LICENSE.txt')).toBe('text/plain; charset=utf-8');
    expect(reportContentType('data/attachments/blob')).toBe('application/octet-stream');
    expect(reportContentType('data/attachments/page.exe')).toBe('application/octet-stream');
  });
});

describe('reportPrefix', () => {
  it("is a directory row's key itself, or the directory holding a row's index.html", () => {
    expect(reportPrefix('1/projects/2/runs/3/allure-report/')).toBe('1/projects/2/runs/3/allure-report/');
    expect(reportPrefix('1/projects/2/runs/3/allure-report/index.html')).toBe('1/projects/2/runs/3/allure-report/');
  });
});

describe('isReportFilePath', () => {
  it('accepts relative paths of files inside the report', () => {
    expect(isReportFilePath('index.html')).toBe(true);
    expect(isReportFilePath('data/test-results/041b138e79c0194a1f508827fded1134.json')).toBe(true);
    expect(isReportFilePath('data/attachments/a b.txt')).toBe(true);
  });

  it('refuses what could leave the report or cannot be a stored key', () => {
    for (const path of ['', '/', '/etc/passwd', '../index.html', 'data/../../x', './index.html', 'data//x', 'data/', 'a\\b', 'caf\u00e9.html', 'x\ny', 'a'.repeat(513)]) {
      expect(isReportFilePath(path), JSON.stringify(path)).toBe(false);
    }
  });
});

describe('REPORT_CONTENT_SECURITY_POLICY', () => {
  it('lets the report run from itself and data: URLs, and reach nothing outside the API', () => {
    const directives = new Map(REPORT_CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'unsafe-inline'", 'data:', 'blob:']);
    expect(directives.get('connect-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(REPORT_CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
  });
});
