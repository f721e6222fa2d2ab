import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';

/** The CLI package in this checkout or image: the API serves the client that matches it. */
export const CLI_DIR = fileURLToPath(new URL('../../../cli/', import.meta.url));

/** Test sources, lint configuration and the like are not part of the installed client. */
const EXCLUDED = [/\.test\.[jt]s$/, /^src\/testing\//, /^eslint\.config\.js$/, /^node_modules\//];

/**
 * The `qatron` CLI as an npm package tarball (`npm install -g ./qatron-cli.tgz`), built from the
 * CLI's own folder with the files its package.json lists, and its `bundleDependencies` under
 * node_modules/. CI runners install the client from the QAtron server they talk to, so client and
 * server versions always match and nothing has to be published to a registry first; bundling the
 * dependencies keeps the install free of any registry too.
 */
export async function packCli(dir = CLI_DIR): Promise<{ version: string; tarball: Buffer }> {
  const manifest = CliManifest.parse(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')));
  const files = ['package.json', ...(await walk(dir, dir)).filter((f) => f !== 'package.json' && included(f))].sort();
  const entries = files.map((file) => ({ name: `package/${file}`, path: join(dir, file) }));
  for (const name of manifest.bundleDependencies ?? []) entries.push(...(await bundledFiles(dir, name)));
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const [content, info] = await Promise.all([readFile(entry.path), stat(entry.path)]);
    blocks.push(tarHeader(entry.name, content.length, info.mode & 0o111 ? 0o755 : 0o644), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return { version: manifest.version, tarball: gzipSync(Buffer.concat(blocks)) };
}

/** The fields of cli/package.json that packing reads. */
const CliManifest = z.object({ version: z.string(), bundleDependencies: z.array(z.string()).optional() });
/** The field of a bundled dependency's package.json that packing checks. */
const BundledManifest = z.object({ dependencies: z.record(z.string(), z.string()).optional() });

/**
 * The files of the installed dependency `name` (where npm put it for the CLI: in this workspace,
 * the root node_modules), as `package/node_modules/<name>/...`. A bundled dependency must have no
 * dependencies of its own, which would be missing from the tarball.
 */
async function bundledFiles(dir: string, name: string): Promise<{ name: string; path: string }[]> {
  const manifestPath = createRequire(join(dir, 'package.json')).resolve(`${name}/package.json`);
  const manifest = BundledManifest.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  if (Object.keys(manifest.dependencies ?? {}).length > 0) throw new Error(`${name}, bundled into the CLI, has dependencies of its own: bundle them too`);
  const root = dirname(manifestPath);
  return (await walk(root, root)).sort().map((file) => ({ name: `package/node_modules/${name}/${file}`, path: join(root, file) }));
}

function included(file: string): boolean {
  if (EXCLUDED.some((pattern) => pattern.test(file))) return false;
  return file.startsWith('bin/') || file.startsWith('src/') || file.startsWith('templates/') || file === 'README.md';
}

async function walk(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...(await walk(root, path)));
    } else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

/** A POSIX ustar header; names longer than 100 bytes go to the 155-byte prefix field. */
function tarHeader(name: string, size: number, mode: number): Buffer {
  const header = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
    if (cut <= 0 || Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`path too long for a tar header: ${name}`);
  }
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0') + '\0';
  header.write(base, 0, 100);
  header.write(octal(mode, 8), 100);
  header.write(octal(0, 8), 108);
  header.write(octal(0, 8), 116);
  header.write(octal(size, 12), 124);
  // A fixed timestamp keeps the tarball byte-for-byte reproducible.
  header.write(octal(0, 12), 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(octal(sum, 7) + ' ', 148);
  return header;
}
