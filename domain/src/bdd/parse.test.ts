import { readFileSync } from 'node:fs';
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, readCorpus } from './corpus/corpus.js';
import { parseFeatureFile, type ParsedFeature } from './parse.js';
import { normalizeFeaturePath, pytestBddTestName, scenarioLineEnd, scenarioStableId } from './stable-id.js';

function parsed(path: string): ParsedFeature {
  const result = parseFeatureFile(path, readFileSync(`${CORPUS_DIR}/${path}`, 'utf8'));
  if (!result.ok) throw new Error(`${path} did not parse: ${result.error.message}`);
  return result.feature;
}

describe('scenarioStableId (PRD 14.2, shared with the Python framework)', () => {
  it('is path:line_start:line_end:sha256(name)[:8]', () => {
    // Expected hashes computed independently with Python's hashlib.
    expect(scenarioStableId('features/checkout.feature', 15, 25, 'Successful checkout')).toBe('features/checkout.feature:15:25:292de1e6');
    expect(scenarioStableId('features/i18n/warenkorb.feature', 7, 9, 'Artikel hinzufügen')).toBe('features/i18n/warenkorb.feature:7:9:62272168');
  });

  it('uses forward slashes relative to the repository root', () => {
    expect(normalizeFeaturePath('features\\sub\\a.feature')).toBe('features/sub/a.feature');
    expect(normalizeFeaturePath('./features/a.feature')).toBe('features/a.feature');
    expect(scenarioStableId('.\\features\\a.feature', 1, 2, 'Mengen')).toBe('features/a.feature:1:2:31468c58');
  });

  it('ends at the last step, table row, DocString delimiter or Examples row; not at trailing comments or tags', () => {
    const source = [
      'Feature: F', //                      1
      '  @tag', //                          2
      '  Scenario: With a doc string', //   3
      '    Given a text:', //               4
      '      """', //                       5
      '      line one', //                  6
      '      line two', //                  7
      '      """', //                       8
      '  # a comment', //                   9
      '', //                                10
      '  @next', //                         11
      '  Scenario: Empty doc string', //    12
      '    Given nothing:', //              13
      '      """', //                       14
      '      """', //                       15
      '  Scenario Outline: Rows', //        16
      '    Given <a>', //                   17
      '    Examples:', //                   18
      '      | a |', //                     19
      '      | 1 |', //                     20
      '', //                                21
      '    Examples:', //                   22
      '      | a |', //                     23
      '  Scenario: Table', //               24
      '    Given rows:', //                 25
      '      | x |', //                     26
      '      | y |', //                     27
      '# the end', //                       28
    ].join('\n');
    const document = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher()).parse(source);
    const ends = document.feature!.children.map((c) => [c.scenario!.location.line, scenarioLineEnd(c.scenario!)]);
    expect(ends).toEqual([
      [3, 8],
      [12, 15],
      [16, 23],
      [24, 27],
    ]);
  });
});

describe('pytestBddTestName (pytest-bdd 9 make_python_name)', () => {
  it('matches the names scenarios() generates', () => {
    // Expected names produced by pytest_bdd.scenario.make_python_name on Python 3.11.
    expect(pytestBddTestName('Successful checkout')).toBe('test_successful_checkout');
    expect(pytestBddTestName('Totals with discounts (EU)')).toBe('test_totals_with_discounts_eu');
    expect(pytestBddTestName('2 Artikel hinzufügen!')).toBe('test_artikel_hinzufügen');
    expect(pytestBddTestName('Ça marche — très bien')).toBe('test_ça_marche__très_bien');
    expect(pytestBddTestName('  double  space')).toBe('test___double__space');
    expect(pytestBddTestName('Über-größe 3½ x²')).toBe('test_übergröße_3½_x²');
  });
});

describe('parseFeatureFile', () => {
  it('reads the feature, its background, tagged outlines with several Examples, DocStrings and DataTables', () => {
    const feature = parsed('features/checkout.feature');
    expect(feature).toMatchObject({ path: 'features/checkout.feature', name: 'Checkout', tags: ['@web', '@checkout'], language: 'en', pickleCount: 6 });
    expect(feature.description).toBe('As a shopper\n  I want to pay for my cart\n  so that the goods are shipped to me.');
    expect(feature.scenarios.map((s) => [s.name, s.type, s.lineStart, s.lineEnd, s.pickleCount])).toEqual([
      ['Successful checkout', 'scenario', 16, 25, 1],
      ['Empty cart cannot be paid', 'scenario', 27, 29, 1],
      ['Totals with discounts', 'scenario_outline', 32, 46, 3],
      ['Order summary as JSON', 'scenario', 48, 56, 1],
    ]);

    const checkout = feature.scenarios[0]!;
    expect(checkout.stableId).toBe('features/checkout.feature:16:25:292de1e6');
    // Inherited tags first (feature), then its own.
    expect(checkout.tags).toEqual(['@web', '@checkout', '@smoke']);
    // The Background's steps lead, flagged, with their DataTable.
    expect(checkout.steps.map((s) => [s.position, s.keyword, s.text, s.fromBackground])).toEqual([
      [0, 'Given ', 'the catalogue has these products:', true],
      [1, 'And ', 'I am signed in as "alice"', true],
      [2, 'Given ', 'my cart holds 2 "A-1"', false],
      [3, 'When ', 'I pay with a valid card', false],
      [4, 'Then ', 'the order is confirmed', false],
      [5, 'And ', 'I receive an e-mail containing:', false],
    ]);
    expect(checkout.steps[0]!.dataTable).toEqual([
      ['sku', 'name', 'price'],
      ['A-1', 'Apple', '1.50'],
      ['B-2', 'Banana', '0.25'],
    ]);
    expect(checkout.steps[5]!.docString).toBe('Thank you for your order, alice!\nTotal: 3.00 "EUR" \\ paid? yes');

    const outline = feature.scenarios[2]!;
    expect(outline.tags).toEqual(['@web', '@checkout', '@regression']);
    expect(outline.examples).toEqual([
      {
        name: 'European codes',
        tags: ['@eu'],
        line: 38,
        header: ['count', 'sku', 'code', 'total'],
        rows: [
          ['1', 'A-1', 'EU10', '1.35'],
          ['4', 'B-2', 'EU10', '0.90'],
        ],
        rowLines: [40, 41],
      },
      { name: 'US codes', tags: ['@us', '@promo'], line: 44, header: ['count', 'sku', 'code', 'total'], rows: [['2', 'A-1', 'US5', '2.85']], rowLines: [46] },
    ]);
    const json = feature.scenarios[3]!;
    expect(json.steps.slice(-2).map((s) => s.docString)).toEqual(['{"items": 2, "total": "3.00"}', '']);
  });

  it('puts scenarios of a Rule under it, with the feature and rule backgrounds and tags', () => {
    const feature = parsed('features/rules/accounts.feature');
    expect(feature.scenarios.map((s) => [s.name, s.rule, s.tags, s.steps.filter((x) => x.fromBackground).length, s.pickleCount])).toEqual([
      ['Sign up with a fresh e-mail', 'A new account needs a unique e-mail', ['@accounts', '@signup'], 2, 1],
      ['Sign up twice', 'A new account needs a unique e-mail', ['@accounts', '@signup'], 2, 1],
      ['Weak passwords are refused', 'Passwords must be strong', ['@accounts', '@security'], 1, 4],
      ['A strong password is accepted', 'Passwords must be strong', ['@accounts'], 1, 1],
    ]);
    expect(feature.scenarios[2]!.examples.map((e) => [e.name, e.tags, e.rows.length])).toEqual([
      ['', [], 3],
      ['Empty', ['@edge'], 1],
    ]);
    expect(feature.pickleCount).toBe(7);
  });

  it('reads other languages from the # language header', () => {
    const de = parsed('features/i18n/warenkorb.feature');
    expect([de.name, de.language, de.tags]).toEqual(['Warenkorb', 'de', ['@de']]);
    expect(de.scenarios.map((s) => [s.name, s.type, s.steps.map((x) => x.keyword.trim())])).toEqual([
      ['Artikel hinzufügen', 'scenario', ['Angenommen', 'Wenn', 'Dann']],
      ['Mengen', 'scenario_outline', ['Angenommen', 'Wenn', 'Dann']],
    ]);
    const fr = parsed('features/i18n/panier.feature');
    expect([fr.name, fr.language, fr.scenarios.map((s) => s.name)]).toEqual(['Panier', 'fr', ['Vider le panier']]);
  });

  it('hashes its own steps only: not the name, not the background', () => {
    const base = 'Feature: F\n  Background:\n    Given a base\n  Scenario: One\n    Given x\n    Then y\n';
    const a = parseFeatureFile('a.feature', base);
    const renamed = parseFeatureFile('a.feature', base.replace('One', 'Two').replace('a base', 'another base'));
    const changed = parseFeatureFile('a.feature', base.replace('Then y', 'Then z'));
    if (!a.ok || !renamed.ok || !changed.ok) throw new Error('corpus snippet did not parse');
    expect(renamed.feature.scenarios[0]!.stepsHash).toBe(a.feature.scenarios[0]!.stepsHash);
    expect(changed.feature.scenarios[0]!.stepsHash).not.toBe(a.feature.scenarios[0]!.stepsHash);
  });

  it('returns the first error line and every message for a file that does not parse', () => {
    const result = parseFeatureFile('broken/bad-table.feature', readFileSync(`${CORPUS_DIR}/broken/bad-table.feature`, 'utf8'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.path).toBe('broken/bad-table.feature');
    expect(result.error.line).toBe(9);
    expect(result.error.message.split('\n')).toEqual([
      '(9:7): inconsistent cell count within the table',
      "(13:5): expected: #EOF, #TableRow, #DocStringSeparator, #StepLine, #TagLine, #ExamplesLine, #ScenarioLine, #RuleLine, #Comment, #Empty, got 'Rule oops'",
    ]);
    const language = parseFeatureFile('x.feature', '# language: xx-nope\nFeature: F\n');
    expect(language).toEqual({ ok: false, error: { path: 'x.feature', line: 1, message: '(1:1): Language not supported: xx-nope' } });
  });

  it('accounts for every pickle of the corpus: plain scenarios plus outline rows', () => {
    const files = readCorpus();
    let pickles = 0;
    let stored = 0;
    for (const file of files.filter((f) => !f.path.startsWith('broken/'))) {
      const feature = parsed(file.path);
      pickles += feature.pickleCount;
      stored += feature.scenarios.reduce((n, s) => n + (s.type === 'scenario' ? 1 : s.examples.reduce((r, e) => r + e.rows.length, 0)), 0);
    }
    expect(pickles).toBe(18);
    expect(stored).toBe(pickles);
  });
});
