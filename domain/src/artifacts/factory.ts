import type { ArtifactStoreConfig } from '../config.js';
import { LocalArtifactStore } from './local-store.js';
import { S3ArtifactStore } from './s3-store.js';
import type { ArtifactStore } from './store.js';

/**
 * The artifact store the configuration names (DESIGN "Processes"): a local directory in the
 * embedded stack, S3 when S3_BUCKET is set. Configuration alone switches between them. Nothing is
 * contacted here; the first read or write is the first I/O.
 */
export function createArtifactStore(config: ArtifactStoreConfig): ArtifactStore {
  switch (config.kind) {
    case 'local':
      return new LocalArtifactStore(config.directory);
    case 's3':
      return new S3ArtifactStore(config);
  }
}
