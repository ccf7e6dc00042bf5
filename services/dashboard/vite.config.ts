import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The single-page app: web/ → dist/client/ (served by src/client/serve-client.ts).
// `npm run dev:client` serves it with hot reload and forwards /api to a running dashboard server.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    target: 'es2022',
    // Sizes are checked by the build output (and reported); 250 KB gzipped is the budget.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: process.env.DASHBOARD_URL ?? 'http://127.0.0.1:8501', changeOrigin: true } },
  },
});
