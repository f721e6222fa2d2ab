import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardSourceHash, buildBoard } from './build.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qatron-build-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('buildBoard', () => {
  it('reports a Board that cannot be built, without throwing', async () => {
    const broken = join(dir, 'broken');
    await mkdir(join(broken, 'src'), { recursive: true });
    await writeFile(join(broken, 'package.json'), '{"name": "broken", "private": true}');
    const build = await buildBoard({ boardDir: broken });
    expect(build.outcome).toBe('failed');
    expect(build.servable).toBe(false);
    expect(build.error).toContain('vite');
  });

  it('hashes the sources and the build config, so any change rebuilds', async () => {
    const board = join(dir, 'hashed');
    await mkdir(join(board, 'src'), { recursive: true });
    await writeFile(join(board, 'src', 'main.ts'), 'one');
    const first = await boardSourceHash(board);
    expect(await boardSourceHash(board)).toBe(first);
    await writeFile(join(board, 'src', 'main.ts'), 'two');
    const second = await boardSourceHash(board);
    expect(second).not.toBe(first);
    // Tests are not build inputs.
    await writeFile(join(board, 'src', 'main.test.ts'), 'a test');
    expect(await boardSourceHash(board)).toBe(second);
    await writeFile(join(board, 'vite.config.ts'), 'config');
    expect(await boardSourceHash(board)).not.toBe(second);
  });
});
