import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalArtifactStore } from './local-store.js';
import { describeArtifactStoreContract } from './store-contract.js';

describeArtifactStoreContract('LocalArtifactStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'qatron-local-store-'));
  return { store: new LocalArtifactStore(join(root, 'artifacts')), cleanup: () => rm(root, { recursive: true, force: true }) };
});
