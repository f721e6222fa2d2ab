import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The lint rule that keeps workflow code deterministic (DESIGN "Module boundaries") really fires. */
describe('workflow determinism lint', () => {
  const eslint = new ESLint();
  const lint = async (code: string) => {
    const [result] = await eslint.lintText(code, { filePath: 'workflows/src/probe.ts' });
    return result!.messages.map((m) => m.ruleId);
  };

  it('refuses Node built-ins, the ORM, timers and randomness in workflows/', async () => {
    expect(await lint("import { readFile } from 'node:fs';\nexport const x = readFile;\n")).toContain('no-restricted-imports');
    expect(await lint("import fs from 'fs';\nexport const x = fs;\n")).toContain('no-restricted-imports');
    expect(await lint("import { Run } from '@qatron/domain';\nexport const x = Run;\n")).toContain('no-restricted-imports');
    expect(await lint("import { MikroORM } from '@mikro-orm/core';\nexport const x = MikroORM;\n")).toContain('no-restricted-imports');
    expect(await lint('export const x = () => setTimeout(() => undefined, 1);\n')).toContain('no-restricted-globals');
    expect(await lint('export const x = Math.random();\n')).toContain('no-restricted-properties');
  });

  it('allows the pure domain modules and type-only imports', async () => {
    expect(await lint("import { NON_RETRYABLE_ERRORS, progressQuery } from '@qatron/domain/contract';\nexport const x = [NON_RETRYABLE_ERRORS, progressQuery] as const;\n")).toEqual([]);
    expect(await lint("import { isFinalStatus } from '@qatron/domain/status';\nimport { CONTROL_TASK_QUEUE } from '@qatron/domain/task-queues';\nimport type { Run } from '@qatron/domain';\nexport const x = [isFinalStatus, CONTROL_TASK_QUEUE] as const;\nexport type R = Run;\n")).toEqual([]);
  });
});
