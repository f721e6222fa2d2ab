import { z } from 'zod';
import type { ApiDeps } from '../http/deps.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { packCli } from './tarball.js';

/** GET /api/v1/cli/qatron-cli.tgz: the CLI that matches this server, for CI runners (PRD 17.3). */
export function cliPackageRoutes(_deps: ApiDeps): AnyRoute[] {
  let packed: Promise<{ version: string; tarball: Buffer }> | undefined;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/cli/qatron-cli.tgz',
      summary: 'Download the qatron CLI as an npm package: `npm install -g ./qatron-cli.tgz` (Node >= 22, no dependencies)',
      tag: 'cli',
      role: 'viewer',
      query: z.object({}),
      response: { status: 200, contentType: 'application/gzip', description: 'npm package tarball' },
      handler: async () => {
        // Packed once per process: the files cannot change under a running server.
        packed ??= packCli().catch((err: unknown) => {
          packed = undefined;
          throw err;
        });
        const { version, tarball } = await packed;
        return {
          raw: tarball,
          contentType: 'application/gzip',
          headers: { 'Content-Disposition': `attachment; filename="qatron-cli-${version}.tgz"`, 'Cache-Control': 'no-cache' },
        };
      },
    }),
  ];
}
