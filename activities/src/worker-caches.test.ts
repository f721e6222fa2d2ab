import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneWorkerCaches } from './worker-caches.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function venv(root: string, relative: string, usedAt: Date): Promise<void> {
  await mkdir(join(root, relative), { recursive: true });
  const marker = join(root, relative, '.qatron-environment.json');
  await writeFile(marker, '{}');
  await utimes(marker, usedAt, usedAt);
}

describe('pruneWorkerCaches', () => {
  it('evicts old run environments and old dataset validation environments, keeping recent ones', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'qatron-worker-caches-'));
    dirs.push(workDir);
    const now = new Date('2026-12-01T00:00:00Z');
    const old = new Date(now.getTime() - 30 * 24 * 3600 * 1000);
    await venv(workDir, 'venvs/aaaaaaaaaaaaaaaaaaaaaaaa', old);
    await venv(workDir, 'venvs/bbbbbbbbbbbbbbbbbbbbbbbb', now);
    await venv(workDir, 'dataset-validation/venvs/cccccccccccccccccccccccc', old);
    await venv(workDir, 'dataset-validation/venvs/dddddddddddddddddddddddd', now);

    expect((await pruneWorkerCaches(workDir, undefined, now)).sort()).toEqual(['dataset-validation/cccccccccccccccccccccccc', 'runs/aaaaaaaaaaaaaaaaaaaaaaaa']);
    expect(await readdir(join(workDir, 'venvs'))).toEqual(['bbbbbbbbbbbbbbbbbbbbbbbb']);
    expect(await readdir(join(workDir, 'dataset-validation', 'venvs'))).toEqual(['dddddddddddddddddddddddd']);
  });

  it("removes a finished run's shared checkout and keeps one a shard touched recently", async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'qatron-worker-runs-'));
    dirs.push(workDir);
    const now = new Date('2026-12-01T00:00:00Z');
    const stale = new Date(now.getTime() - 13 * 3600 * 1000);
    for (const [run, at] of [['41', stale], ['42', now]] as const) {
      await mkdir(join(workDir, 'runs', run, 'checkout-abcdef123456'), { recursive: true });
      await writeFile(join(workDir, 'runs', run, 'checkout-abcdef123456.ready'), 'abcdef\n');
      for (const path of [join(workDir, 'runs', run, 'checkout-abcdef123456'), join(workDir, 'runs', run, 'checkout-abcdef123456.ready'), join(workDir, 'runs', run)]) await utimes(path, at, at);
    }
    expect(await pruneWorkerCaches(workDir, undefined, now)).toEqual(['run-workspaces/41']);
    expect(await readdir(join(workDir, 'runs'))).toEqual(['42']);
  });

  it('does nothing on a new worker without caches', async () => {
    expect(await pruneWorkerCaches(join(tmpdir(), 'qatron-no-such-worker'))).toEqual([]);
  });
});
