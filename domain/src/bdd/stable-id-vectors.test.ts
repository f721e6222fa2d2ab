import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFeatureFile } from './parse.js';

/**
 * The stable id (PRD 14.2) is computed twice: here at ingestion and by the Python framework on
 * every pytest-bdd test (framework/src/qatron/scenarios.py), and results find their scenario by
 * it. Both test suites read these vectors, so the two implementations cannot drift apart.
 */
const DATA = new URL('../../../framework/tests/data/', import.meta.url);
const feature = readFileSync(fileURLToPath(new URL('stable-id-vectors.feature', DATA)), 'utf8');
const vectors = JSON.parse(readFileSync(fileURLToPath(new URL('stable-id-vectors.json', DATA)), 'utf8')) as {
  feature_path: string;
  scenarios: Array<{ name: string; id: string; example_lines?: number[] }>;
};

describe('stable id test vectors shared with the framework', () => {
  it('gives every scenario the id and Examples row lines the framework labels its tests with', () => {
    const parsed = parseFeatureFile(vectors.feature_path, feature);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.feature.scenarios.map((s) => ({ name: s.name, id: s.stableId, rows: s.examples.flatMap((e) => e.rowLines) }))).toEqual(
      vectors.scenarios.map((v) => ({ name: v.name, id: v.id, rows: v.example_lines ?? [] })),
    );
  });
});
