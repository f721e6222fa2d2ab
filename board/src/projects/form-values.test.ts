import { describe, expect, it } from 'vitest';
import { changedFields, listOf, mapOf, numberOrNull, rowsOf, textOrNull } from './form-values';

describe('form values', () => {
  it('sends only what an edit changed, whatever the order of a map', () => {
    const current: { name: string; base_url: string; variables: Record<string, string>; paths: string[]; retention_days: number | null } = { name: 'staging', base_url: 'https://a.test', variables: { A: '1', B: '2' }, paths: ['tests/'], retention_days: null };
    expect(changedFields(current, { name: 'staging', base_url: 'https://b.test', variables: { B: '2', A: '1' }, paths: ['tests/'], retention_days: null })).toEqual({ base_url: 'https://b.test' });
    expect(changedFields(current, { variables: { A: '1' }, paths: ['tests/', 'e2e/'], retention_days: 7 })).toEqual({ variables: { A: '1' }, paths: ['tests/', 'e2e/'], retention_days: 7 });
  });

  it('turns editor rows into a map, leaving blank rows out and refusing a name given twice', () => {
    expect(mapOf([...rowsOf({ LOCALE: 'en-GB' }), { name: ' ', value: '' }, { name: 'EMPTY', value: '' }], 'variables')).toEqual({ map: { LOCALE: 'en-GB', EMPTY: '' }, problem: null });
    expect(mapOf([{ name: 'A', value: '1' }, { name: 'A', value: '2' }], 'variables').problem).toBe('variables: A is given twice');
  });

  it('reads comma-separated paths and optional numbers', () => {
    expect(listOf(' tests/ , features/x.feature,, ')).toEqual(['tests/', 'features/x.feature']);
    expect([numberOrNull(''), numberOrNull(null), numberOrNull(0), numberOrNull('80.5')]).toEqual([null, null, 0, 80.5]);
  });

  it('reads an optional text as null when blank, trimmed otherwise', () => {
    expect([textOrNull(''), textOrNull('   '), textOrNull(' pip install -e .[test] '), textOrNull('3.12')]).toEqual([null, null, 'pip install -e .[test]', '3.12']);
  });
});
