import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

/**
 * The Board's build: static files in board/dist, served by the api process on :3000 in the
 * embedded stack (api/src/board.ts) and by nginx in containers. `npm run dev` proxies the API.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [vue()],
  // The one run status model (STYLE 6) is pure TypeScript in domain/; the Board takes that file
  // alone, so that a Board-only install (the container build) needs no other workspace.
  resolve: { alias: { '@qatron/domain/status': fileURLToPath(new URL('../domain/src/runs/status.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 900 },
  server: {
    port: 3000,
    proxy: { '/api': process.env.QATRON_API_URL ?? 'http://127.0.0.1:8000', '/healthz': process.env.QATRON_API_URL ?? 'http://127.0.0.1:8000' },
  },
});
