/**
 * `npm run migration:create [name]`: diffs the entities against a database migrated to the latest
 * migration and writes the difference as a new migration in domain/src/migrations, registering
 * it in the list. Uses a throwaway embedded PostgreSQL, so it needs no running stack.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDatabase } from '@qatron/domain/db';
import { ensureDatabase, startEmbeddedPostgres } from './embedded/postgres.js';
import { REPO_ROOT } from './embedded/temporal.js';

const name = process.argv[2];
const dir = await mkdtemp(join(tmpdir(), 'qatron-migrate-'));
const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 54399, logFile: join(dir, 'pg.log'), ephemeral: true });
try {
  await ensureDatabase(pg.url('postgres'), 'migrate');
  const migrationsDir = join(REPO_ROOT, 'domain', 'src', 'migrations');
  const orm = await connectDatabase(pg.url('migrate'), {
    migrations: { path: migrationsDir, emit: 'ts', glob: 'Migration*.ts' },
  });
  // connectDatabase registers the current list; apply it so that the diff is only what is new.
  await orm.migrator.up();
  const result = await orm.migrator.create(migrationsDir, false, false, name);
  await orm.close();
  if (!result.fileName) {
    console.log('No changes: the entities match the latest migration.');
  } else {
    const className = result.fileName.replace(/\.ts$/, '');
    const indexFile = join(migrationsDir, 'index.ts');
    let index = await readFile(indexFile, 'utf8');
    index = index.replace(
      /(import type \{ MigrationObject \} from '@mikro-orm\/core';\n)/,
      `$1import { ${className} } from './${className}.js';\n`,
    );
    index = index.replace(/(export const MIGRATIONS: MigrationObject\[\] = \[)([\s\S]*?)(\];)/, (_m, a: string, body: string, c: string) => {
      const entries = body.trim() ? body.trimEnd() + '\n' : '\n';
      return `${a}${entries}  { name: '${className}', class: ${className} },\n${c}`;
    });
    await writeFile(indexFile, index);
    console.log(`Wrote domain/src/migrations/${result.fileName} (${result.diff.up.length} statements)`);
  }
} finally {
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
