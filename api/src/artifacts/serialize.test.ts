import { describe, expect, it } from 'vitest';
import { asciiFileName, contentDisposition } from './serialize.js';

describe('contentDisposition (RFC 6266, RFC 8187)', () => {
  it('gives a plain ASCII name in both parameters', () => {
    expect(contentDisposition('junit.xml')).toBe(`attachment; filename="junit.xml"; filename*=UTF-8''junit.xml`);
  });

  it('percent-encodes UTF-8 in filename*, including the characters attr-char excludes', () => {
    expect(contentDisposition("naïve 'test' (1)*.log")).toBe(
      `attachment; filename="naive 'test' (1)*.log"; filename*=UTF-8''na%C3%AFve%20%27test%27%20%281%29%2A.log`,
    );
    expect(contentDisposition('😀.png')).toBe(`attachment; filename="artifact.png"; filename*=UTF-8''%F0%9F%98%80.png`);
  });

  it('survives a lone surrogate instead of throwing', () => {
    expect(contentDisposition('a\uD800b.txt')).toBe(`attachment; filename="a_b.txt"; filename*=UTF-8''a%EF%BF%BDb.txt`);
  });

  it('cannot break out of the header or the quoted string', () => {
    const header = contentDisposition('evil"; filename="x.exe\r\nSet-Cookie: a=b');
    expect(header).toBe(
      `attachment; filename="evil_; filename=_x.exe__Set-Cookie: a=b"; filename*=UTF-8''evil%22%3B%20filename%3D%22x.exe%0D%0ASet-Cookie%3A%20a%3Db`,
    );
    expect(header).not.toMatch(/[\r\n]/);
  });
});

describe('asciiFileName', () => {
  it.each([
    ['Résumé.pdf', 'Resume.pdf'],
    ['Ünïcödé Report.html', 'Unicode Report.html'],
    ['ログ.txt', 'artifact.txt'],
    ['ログ', 'artifact'],
    ['', 'artifact'],
    ['../../etc/passwd', '.._.._etc_passwd'],
    ['a\\b%2F.txt', 'a_b_2F.txt'],
    ['  spaced  ', 'spaced'],
  ])('%j → %j', (name, ascii) => {
    expect(asciiFileName(name)).toBe(ascii);
  });
});
