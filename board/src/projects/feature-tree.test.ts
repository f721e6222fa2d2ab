import { describe, expect, it } from 'vitest';
import type { Feature } from '../api/types';
import { featureTree, tagsOf } from './feature-tree';

const feature = (id: number, path: string, tags: string[] = []): Feature => ({
  id,
  project_id: 1,
  path,
  name: path,
  description: '',
  tags,
  language: 'en',
  is_active: true,
  parse_error: null,
  indexed_commit: null,
  scenario_count: 1,
  coverage: { never_run: 1, passed: 0, failed: 0, skipped: 0 },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

describe('featureTree', () => {
  it('groups features by folder in path order', () => {
    const tree = featureTree([feature(1, 'features/cart/checkout.feature'), feature(2, 'features/cart/add.feature'), feature(3, 'login.feature')]);
    expect(tree.map((f) => [f.folder, f.features.map((x) => x.id)])).toEqual([
      ['features/cart', [2, 1]],
      ['.', [3]],
    ]);
  });

  it('collects each tag once, sorted', () => {
    expect(tagsOf([feature(1, 'a.feature', ['@smoke', '@cart']), feature(2, 'b.feature', ['@cart'])])).toEqual(['@cart', '@smoke']);
  });
});
