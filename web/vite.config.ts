import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The editor is served by `flowdns serve` from assets embedded in the binary; `npm run dev`
// proxies the API to a local server for development.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8053',
      '/metrics': 'http://127.0.0.1:8053',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
