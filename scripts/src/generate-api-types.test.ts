import { describe, expect, it } from 'vitest';
import { committedApiTypes, generateApiTypes, REGENERATE_COMMAND } from './generate-api-types.js';

describe('api-types/src/openapi.d.ts', () => {
  it('is what the current OpenAPI document generates (the Board and the CLI read the API through it)', async () => {
    const generated = await generateApiTypes();
    // Compared as text, not with toBe: a stale file should say how to fix it, not print 9,000 lines of diff.
    const stale = committedApiTypes() !== generated;
    expect(stale, `api-types/src/openapi.d.ts is stale: run \`${REGENERATE_COMMAND}\` and commit the result`).toBe(false);
  });
});
