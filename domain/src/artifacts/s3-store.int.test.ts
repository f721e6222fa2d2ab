import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startVersitygw, VERSITYGW_BINARY, VERSITYGW_MISSING, type EmbeddedVersitygw } from '@qatron/scripts/embedded/versitygw';
import { freePort } from '@qatron/scripts/testing/ports';
import { S3ArtifactStore, type S3ArtifactStoreConfig } from './s3-store.js';
import { describeArtifactStoreContract } from './store-contract.js';

/**
 * The S3 store against a real S3 server, versitygw, started for this file. A checkout without the
 * binary fails here, loudly: skipping would report a green run that never tested S3.
 */
let gateway: EmbeddedVersitygw | undefined;
let dir: string | undefined;

beforeAll(async () => {
  if (!existsSync(VERSITYGW_BINARY)) throw new Error(VERSITYGW_MISSING);
  dir = await mkdtemp(join(tmpdir(), 'qatron-versitygw-'));
  gateway = await startVersitygw({ dataDir: dir, port: await freePort(), logFile: join(dir, 'versitygw.log') });
});

afterAll(async () => {
  await gateway?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function config(): S3ArtifactStoreConfig {
  if (!gateway) throw new Error('versitygw did not start');
  return {
    bucket: gateway.bucket,
    endpoint: gateway.endpoint,
    region: gateway.region,
    accessKeyId: gateway.accessKeyId,
    secretAccessKey: gateway.secretAccessKey,
    forcePathStyle: true,
  };
}

describeArtifactStoreContract('S3ArtifactStore on versitygw (conditional writes)', async () => {
  const store = new S3ArtifactStore(config());
  return { store, cleanup: async () => store.close() };
});

// The path taken against servers without conditional writes: HeadObject, then PutObject.
describeArtifactStoreContract('S3ArtifactStore on versitygw (HeadObject before PutObject)', async () => {
  const store = new S3ArtifactStore(config(), { conditionalWrites: false });
  return { store, cleanup: async () => store.close() };
});
