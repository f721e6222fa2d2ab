/** The feature tree of a project: features grouped by their directory, in path order. Pure. */
import type { Feature } from '../api/types';

export interface FeatureFolder {
  folder: string;
  features: Feature[];
}

export function featureTree(features: readonly Feature[]): FeatureFolder[] {
  const folders = new Map<string, Feature[]>();
  for (const feature of [...features].sort((a, b) => a.path.localeCompare(b.path))) {
    const cut = feature.path.lastIndexOf('/');
    const folder = cut === -1 ? '.' : feature.path.slice(0, cut);
    folders.set(folder, [...(folders.get(folder) ?? []), feature]);
  }
  return [...folders.entries()].map(([folder, list]) => ({ folder, features: list }));
}

/** Every tag of the features, sorted, for the tag filter. */
export function tagsOf(features: readonly Feature[]): string[] {
  return [...new Set(features.flatMap((f) => f.tags))].sort();
}
