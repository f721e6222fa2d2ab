import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ARROWS, TOOLING_PATHS } from '../../../eslint.config.js';
import { importCycles, importProblem, importsOf, moduleGraph, readWorkspaces, REPO_ROOT } from './boundaries.js';

/**
 * The package boundaries (issue 14 item 4, README "Architecture") really fail lint: a deliberate
 * violation of each arrow is refused, the allowed imports pass, and a cycle is found.
 */
describe('package boundaries', () => {
  const eslint = new ESLint({ cwd: REPO_ROOT });
  const problems = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, filePath) });
    return result!.messages.filter((m) => m.ruleId?.startsWith('qatron/')).map((m) => m.message);
  };

  it('refuses an import against the arrows', async () => {
    expect(await problems('workflows/src/probe.ts', "import type { createRunActivities } from '@qatron/activities';\nexport type A = typeof createRunActivities;\n")).toEqual([
      'workflows/ may not import @qatron/activities (its arrows: domain; README "Architecture")',
    ]);
    expect(await problems('activities/src/probe.ts', "export type { RunWorkflowInput } from '@qatron/workflows';\n")).toEqual([
      'activities/ may not import @qatron/workflows (its arrows: domain; README "Architecture")',
    ]);
    expect(await problems('api/src/probe.ts', "import { Worker } from '@temporalio/worker';\nexport const w = Worker;\n")).toEqual([
      'api/ may not use @temporalio/worker (it may use @temporalio/client)',
    ]);
    expect(await problems('board/src/ui/probe.ts', "import { RUN_STATUSES } from '@qatron/domain/status';\nexport const s = RUN_STATUSES;\n")).toEqual([
      'board/ may not import @qatron/domain (its arrows: api-types; README "Architecture")',
    ]);
    expect(await problems('board/src/ui/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n")).toEqual([
      "board/ may not use Node built-ins ('node:fs/promises'): it runs in a browser",
    ]);
    expect(await problems('cli/src/probe.js', "export { loadConfig } from '@qatron/domain';\n")).toEqual([
      'cli/ may not import @qatron/domain (its arrows: api-types; README "Architecture")',
    ]);
  });

  it('refuses a relative path into another package and a package not in package.json', async () => {
    expect(await problems('api/src/runs/probe.ts', "export { Run } from '../../../domain/src/entities/run.js';\n")).toEqual([
      "api/ reaches into another package's files with '../../../domain/src/entities/run.js': import the package by its name",
    ]);
    expect(await problems('api/src/probe.ts', "import yaml from 'yaml';\nexport const y = yaml;\n")).toEqual(['yaml is not in api/package.json dependencies']);
  });

  it('allows the arrows, and lets tests reach across packages', async () => {
    expect(await problems('api/src/probe.ts', "import { Client } from '@temporalio/client';\nimport { CONTROL_TASK_QUEUE } from '@qatron/domain';\nexport const x = [Client, CONTROL_TASK_QUEUE];\n")).toEqual([]);
    expect(await problems('workflows/src/probe.ts', "import { proxyActivities } from '@temporalio/workflow';\nimport { NON_RETRYABLE_ERRORS } from '@qatron/domain/contract';\nexport const x = [proxyActivities, NON_RETRYABLE_ERRORS];\n")).toEqual([]);
    expect(await problems('api/src/probe.test.ts', "import { createFixtureRepository } from '@qatron/activities/testing/fixture-repo';\nexport const f = createFixtureRepository;\n")).toEqual([]);
  });

  it("keeps the Board's Vue components inside the boundaries too (ESLint does not read them)", () => {
    const workspaces = readWorkspaces();
    const vueFiles = readdirSync(join(REPO_ROOT, 'board/src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.vue'));
    expect(vueFiles.length).toBeGreaterThan(10);
    const found = vueFiles.flatMap((f) => {
      const file = join(REPO_ROOT, 'board/src', f);
      return importsOf(file).map((s) => importProblem(workspaces, { arrows: PACKAGE_ARROWS, tooling: TOOLING_PATHS }, file, s)).filter(Boolean);
    });
    expect(found).toEqual([]);
    expect(importsOf('X.vue', "<template><p/></template>\n<script setup lang=\"ts\">\nimport { RUN_STATUSES } from '@qatron/domain/status';\n</script>\n")).toEqual(['@qatron/domain/status']);
  });

  describe('import cycles', () => {
    let root: string;
    afterAll(() => rm(root, { recursive: true, force: true }));

    it('finds a cycle across packages, type-only imports included, and names it in lint', async () => {
      root = await mkdtemp(join(tmpdir(), 'qatron-cycle-'));
      const files: Record<string, string> = {
        'package.json': JSON.stringify({ workspaces: ['a', 'b'] }),
        'a/package.json': JSON.stringify({ name: '@x/a', exports: { '.': './src/index.ts' }, dependencies: { '@x/b': '0' } }),
        'b/package.json': JSON.stringify({ name: '@x/b', exports: { './*': './src/*.ts' }, dependencies: { '@x/a': '0' } }),
        'a/src/index.ts': "export { helper } from './helper.js';\n",
        'a/src/helper.ts': "import type { Shape } from '@x/b/shape';\nexport const helper = (s: Shape) => s;\n",
        'b/src/shape.ts': "import { helper } from '@x/a';\nexport interface Shape { h: typeof helper }\n",
        'b/src/alone.ts': "import type { Shape } from './shape.js';\nexport type Alone = Shape;\n",
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await writeFile(join(root, path), text);
      }
      const cycles = importCycles(moduleGraph(readWorkspaces(root))).map((c) => c.map((f) => relative(root, f)).sort());
      expect(cycles).toEqual([['a/src/helper.ts', 'a/src/index.ts', 'b/src/shape.ts']]);
    });

    it('finds none in this repository', () => {
      expect(importCycles(moduleGraph(readWorkspaces()))).toEqual([]);
    });

    it('leaves no cycle in the workspace packages’ dependencies either', () => {
      const { packages } = readWorkspaces();
      const graph = new Map(packages.map((p) => [p.name, [...p.dependencies].filter((d) => packages.some((q) => q.name === d))]));
      expect(importCycles(graph)).toEqual([]);
    });
  });
});
