import { describe, expect, it } from 'vitest';
import { decodeUrlEncoded, MAX_JSON_DEPTH, unstorableInputErrors } from './input-hygiene.js';
import { Problem } from './problems.js';

function problemOf(run: () => unknown): Problem {
  try {
    run();
  } catch (err) {
    if (err instanceof Problem) return err;
    throw err;
  }
  throw new Error('no problem raised');
}

describe('decodeUrlEncoded', () => {
  it('decodes names and values, + as a space, a repeated name as an array', () => {
    expect(decodeUrlEncoded('username=ann&password=p%C3%A4ss+word&scope=a&scope=b&flag')).toEqual({
      username: 'ann',
      password: 'päss word',
      scope: ['a', 'b'],
      flag: '',
    });
  });

  it('refuses escapes that are not UTF-8, naming the field', () => {
    for (const [text, field] of [['password=%FF', 'password'], ['q=%C3%28', 'query.q'], ['%E0%A4=1', 'query'], ['x=%G1', 'query.x']] as const) {
      const problem = problemOf(() => decodeUrlEncoded(text, field.startsWith('query') ? 'query' : undefined));
      expect([problem.status, problem.code, problem.errors], text).toEqual([400, 'invalid_encoding', [{ field, message: 'is not valid percent-encoded UTF-8' }]]);
    }
  });

  it('keeps __proto__ as a plain field for the NUL and name check to refuse', () => {
    const fields = decodeUrlEncoded('__proto__=x');
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(unstorableInputErrors(fields)).toEqual([{ field: '__proto__', message: 'is a reserved name' }]);
  });
});

describe('unstorableInputErrors', () => {
  it('accepts what PostgreSQL stores', () => {
    expect(unstorableInputErrors({ name: 'café ☕', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } })).toEqual([]);
  });

  it('names every NUL in values and keys, in document order, with a prefix', () => {
    expect(unstorableInputErrors({ a: 'x\u0000', list: ['ok', 'y\u0000'], map: { 'k\u0000': 1 } }, 'body')).toEqual([
      { field: 'body.a', message: 'must not contain NUL (\\u0000) characters' },
      { field: 'body.list.1', message: 'must not contain NUL (\\u0000) characters' },
      { field: 'body.map.k\\u0000', message: 'names a field with NUL (\\u0000) characters' },
    ]);
  });

  it('stops at the nesting limit without walking the rest (iterative, so no stack overflow)', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(unstorableInputErrors({ deep })).toEqual([{ field: `deep${'.0'.repeat(MAX_JSON_DEPTH - 1)}`, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  });
});
