import type { Readable } from 'node:stream';
import yazl from 'yazl';
import type { ArtifactStore, RunArtifact } from '@qatron/domain';

/** The archive groups the CLI and CI ask for (PRD 17.3 step 5), as artifact kinds. */
export const ARCHIVE_KINDS = {
  report: ['allure_report'],
  coverage: ['coverage_xml', 'coverage_html'],
  junit: ['junit'],
  logs: ['log'],
  all: null,
} as const satisfies Record<string, readonly RunArtifact['kind'][] | null>;
export type ArchiveKind = keyof typeof ARCHIVE_KINDS;

/** A file of the archive: where it goes in the zip and how to open it from the store. */
export interface ArchiveEntry {
  path: string;
  key: string;
}

/** Where an artifact's files go inside the archive: per shard, or at the top for run-level ones. */
function folderOf(artifact: RunArtifact): string {
  return artifact.shardIndex === null ? '' : `shard-${artifact.shardIndex}/`;
}

/**
 * The archive's entries for `artifacts`: a file artifact is one entry; a directory artifact (a
 * generated report, keyed by its prefix) contributes every object under its prefix.
 */
export async function archiveEntries(store: ArtifactStore, artifacts: readonly RunArtifact[]): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for (const artifact of artifacts) {
    const folder = folderOf(artifact);
    if (artifact.storageKey.endsWith('/')) {
      const files: ArchiveEntry[] = [];
      for await (const object of store.list(artifact.storageKey)) {
        files.push({ path: `${folder}${artifact.name}/${object.key.slice(artifact.storageKey.length)}`, key: object.key });
      }
      entries.push(...files.sort((a, b) => a.path.localeCompare(b.path)));
    } else {
      entries.push({ path: `${folder}${artifact.name}`, key: artifact.storageKey });
    }
  }
  // Two artifacts with one name in one folder (a retried upload, say) must not overwrite each other.
  const seen = new Map<string, number>();
  return entries.map((entry) => {
    const count = seen.get(entry.path) ?? 0;
    seen.set(entry.path, count + 1);
    return count === 0 ? entry : { ...entry, path: entry.path.replace(/(\.[^./]+)?$/, `-${count + 1}$1`) };
  });
}

/**
 * A zip of `entries`, streamed: each object is opened from the store only when the zip writer
 * reaches it, so a large archive holds one store connection at a time.
 */
export function zipStream(store: ArtifactStore, entries: readonly ArchiveEntry[]): Readable {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.path, (callback) => {
      store.get(entry.key).then(
        (object) => callback(null, object.body),
        (err: unknown) => callback(err as Error, undefined as unknown as Readable),
      );
    });
  }
  zip.end();
  return zip.outputStream as unknown as Readable;
}
