import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The environment variable names QAtron reads: the top-level keys of `EnvSchema = z.object({...})`
 * in domain/src/config.ts. The schema is not exported (and importing it would pull zod and the
 * domain into a static check), so the deployment checks read the source text instead.
 *
 * A small scanner, not a regex over the whole file: it finds the object literal's matching brace
 * while skipping comments, strings and backslash escapes (the DATABASE_URL regex literal holds
 * `\/\/`, which a naive scanner would take for a comment), then takes the `KEY:` that starts each
 * top-level, comma-separated entry.
 */
export function parseEnvSchemaKeys(source: string): string[] {
  const anchor = /EnvSchema\s*=\s*z\s*\.\s*object\s*\(\s*\{/.exec(source);
  if (!anchor) throw new Error('`EnvSchema = z.object({` not found in the configuration source');
  const entries: string[] = [];
  let depth = 0;
  let entry = '';
  for (let i = anchor.index + anchor[0].length; i < source.length; i++) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      i = source.indexOf('\n', i);
      if (i < 0) break;
      entry += '\n';
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    if (c === '\\') {
      entry += c + (next ?? '');
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      entry += source.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        entries.push(entry);
        return entries.map((e) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(e)?.[1]).filter((k): k is string => !!k);
      }
      depth--;
    }
    if (c === ',' && depth === 0) {
      entries.push(entry);
      entry = '';
      continue;
    }
    entry += c;
  }
  throw new Error('EnvSchema object literal is not closed');
}

/** The variable names of the repository's domain/src/config.ts. */
export function qatronConfigKeys(repoRoot: string): Set<string> {
  return new Set(parseEnvSchemaKeys(readFileSync(join(repoRoot, 'domain/src/config.ts'), 'utf8')));
}
