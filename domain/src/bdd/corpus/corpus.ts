import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The test corpus (issue 6): `features/` exercises every Gherkin construct QAtron stores (rules
 * with backgrounds, outlines with several tagged Examples, DocStrings, DataTables, comments, German
 * and French), `broken/` holds files that must fail to parse without costing the others.
 */
export const CORPUS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Every `.feature` file of the corpus, with its path relative to the corpus root. */
export function readCorpus(): Array<{ path: string; content: string }> {
  const files: Array<{ path: string; content: string }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.feature')) files.push({ path: relative(CORPUS_DIR, full).replaceAll('\\', '/'), content: readFileSync(full, 'utf8') });
    }
  };
  walk(CORPUS_DIR);
  return files;
}
