import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The CLI package in this checkout or image: the API serves the client that matches it. */
export const CLI_DIR = fileURLToPath(new URL('../../../cli/', import.meta.url));

/** Test sources, lint configuration and the like are not part of the installed client. */
const EXCLUDED = [/\.test\.[jt]s$/, /^eslint\.config\.js$/, /^node_modules\//];

/**
 * The `qatron` CLI as an npm package tarball (`npm install -g ./qatron-cli.tgz`), built from the
 * CLI's own folder with the files its package.json lists. CI runners install the client from the
 * QAtron server they talk to, so client and server versions always match and nothing has to be
 * published to a registry first.
 */
export async function packCli(dir = CLI_DIR): Promise<{ version: string; tarball: Buffer }> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
  const files = ['package.json', ...(await walk(dir, dir)).filter((f) => f !== 'package.json' && included(f))].sort();
  const blocks: Buffer[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const [content, info] = await Promise.all([readFile(path), stat(path)]);
    blocks.push(tarHeader(`package/${file}`, content.length, info.mode & 0o111 ? 0o755 : 0o644), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return { version: manifest.version, tarball: gzipSync(Buffer.concat(blocks)) };
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
