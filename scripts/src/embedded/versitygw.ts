import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { supervise, waitFor } from './process.js';
import { REPO_ROOT } from './temporal.js';

/**
 * versitygw, a real S3 gateway over a local directory: the S3 server the S3 artifact store is
 * tested against (DESIGN "Toolchain": npm has no S3 server; compose and Helm use MinIO). The
 * bootstrap builds it into .tools/go/bin when QATRON_BOOTSTRAP_TEST_TOOLS=1.
 */
export const VERSITYGW_BINARY = join(REPO_ROOT, '.tools', 'go', 'bin', 'versitygw');

/** What to tell someone whose checkout has no versitygw yet. */
export const VERSITYGW_MISSING =
  `versitygw is not installed at ${VERSITYGW_BINARY}. The S3 artifact-store tests need a real S3 server: ` +
  'run `QATRON_BOOTSTRAP_TEST_TOOLS=1 bash scripts/bootstrap.sh` (or `npm test`, which sets it) to build it (Go is required).';

export interface EmbeddedVersitygw {
  /** `http://127.0.0.1:<port>`; clients must use path-style addressing. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * Starts `versitygw posix` on `127.0.0.1:port` with its objects in `dataDir/data` and their
 * metadata in `dataDir/meta` (a sidecar directory, so no extended-attribute support is needed),
 * fresh root credentials, and one bucket created through the S3 API. Throws VERSITYGW_MISSING when
 * the binary has not been built.
 */
export async function startVersitygw(options: {
  dataDir: string;
  port: number;
  logFile: string;
  bucket?: string;
}): Promise<EmbeddedVersitygw> {
  if (!existsSync(VERSITYGW_BINARY)) throw new Error(VERSITYGW_MISSING);
  const data = join(options.dataDir, 'data');
  const meta = join(options.dataDir, 'meta');
  await Promise.all([mkdir(data, { recursive: true }), mkdir(meta, { recursive: true })]);
  const accessKeyId = `qatron${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const region = 'us-east-1';
  const bucket = options.bucket ?? 'qatron-artifacts';
  const endpoint = `http://127.0.0.1:${options.port}`;

  // Credentials go through the environment, not argv, so they do not show up in `ps`.
  const proc = await supervise(
    'versitygw',
    VERSITYGW_BINARY,
    ['--port', `127.0.0.1:${options.port}`, '--region', region, '--quiet', 'posix', '--sidecar', meta, data],
    options.logFile,
    { env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey } },
  );
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    await waitFor(
      `versitygw on ${endpoint} (log: ${options.logFile})`,
      async () => {
        await client.send(new ListBucketsCommand({}));
        return true;
      },
      30_000,
      proc.exited,
    );
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    await proc.stop('SIGTERM', 5_000);
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, region, bucket, accessKeyId, secretAccessKey, stop: () => proc.stop('SIGTERM', 10_000) };
}
