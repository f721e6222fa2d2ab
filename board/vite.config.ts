import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

/**
 * The Board's build: static files in board/dist, served by the api process on :3000 in the
 * embedded stack (api/src/board.ts) and by nginx in containers. `npm run dev` proxies the API.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [vue()],
  // No alias into other workspaces: the Board imports only its own files and its dependencies
  // (eslint's package boundaries), so a Board-only install (the container build) builds it.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 900 },
  server: {
    port: 3000,
    proxy: { '/api': process.env.QATRON_API_URL ?? 'http://127.0.0.1:8000', '/healthz': process.env.QATRON_API_URL ?? 'http://127.0.0.1:8000' },
  },
});
