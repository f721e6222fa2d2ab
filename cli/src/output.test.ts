import { describe, expect, it } from 'vitest';
import { format, formatTable, toYaml, parseOutputFormat } from './output.js';

describe('table output', () => {
  it('pads columns to the widest cell and shows nothing as -', () => {
    const rows = [
      { id: 1, name: 'shop', repo_url: null },
      { id: 12, name: 'a', repo_url: 'https://x' },
    ];
    expect(format(rows, 'table', ['id', 'name', 'repo_url'])).toBe('ID  NAME  REPO URL\n1   shop  -\n12  a     https://x\n');
  });

  it('takes headers and computed values from column objects', () => {
    const out = formatTable([{ passed: 3, total: 4 }], [{ header: 'PASSED/TOTAL', value: (r: any) => `${r.passed}/${r.total}` }]);
    expect(out).toBe('PASSED/TOTAL\n3/4\n');
  });

  it('prints one object as FIELD value lines, maps and lists on one line', () => {
    expect(format({ id: 3, variables: { A: '1', B: '2' }, paths: ['a', 'b'], empty: [] }, 'table')).toBe(
      'ID         3\nVARIABLES  A=1, B=2\nPATHS      a, b\nEMPTY      -\n',
    );
  });

  it('prints only the header of an empty list', () => {
    expect(format([], 'table', ['id', 'name'])).toBe('ID  NAME\n');
  });
});

describe('json output', () => {
  it('prints the data whole, ignoring columns', () => {
    expect(JSON.parse(format([{ id: 1, secret: 'x' }], 'json', ['id']))).toEqual([{ id: 1, secret: 'x' }]);
  });
});

describe('yaml output', () => {
  it('writes maps, lists and scalars', () => {
    expect(toYaml({ id: 1, name: 'shop', ok: true, none: null, tags: ['a', 'b'], nested: { x: 1 }, empty: {}, list: [] })).toBe(
      'id: 1\nname: shop\nok: true\nnone: null\ntags:\n- a\n- b\nnested:\n  x: 1\nempty: {}\nlist: []\n',
    );
  });

  it('quotes strings that would read as something else', () => {
    expect(toYaml({ a: 'true', b: '123', c: '', d: 'x: y', e: ' pad', f: 'line\nbreak', g: 'null', h: '#c' })).toBe(
      'a: "true"\nb: "123"\nc: ""\nd: "x: y"\ne: " pad"\nf: "line\\nbreak"\ng: "null"\nh: "#c"\n',
    );
  });

  it('puts the first key of a list item beside its dash', () => {
    expect(toYaml([{ id: 1, name: 'a', shards: [{ index: 0 }] }, { id: 2 }])).toBe('- id: 1\n  name: a\n  shards:\n  - index: 0\n- id: 2\n');
  });

  it('round-trips through a YAML parser', async () => {
    const { parse } = await import('yaml');
    const data = { items: [{ id: 1, url: 'https://h:8000/x?y=1', when: '2026-01-01T00:00:00.000Z', n: -1.5, ref: '*x', flag: 'on' }], total: 1 };
    expect(parse(toYaml(data))).toEqual(data);
  });
});

describe('parseOutputFormat', () => {
  it('defaults to table and refuses unknown formats with a usage error', () => {
    expect(parseOutputFormat(undefined)).toBe('table');
    expect(parseOutputFormat('JSON')).toBe('json');
    expect(() => parseOutputFormat('xml')).toThrow(expect.objectContaining({ exitCode: 3, message: '--output must be one of table, json, yaml, not "xml"' }));
  });
});
