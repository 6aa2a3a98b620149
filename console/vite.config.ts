import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the dispatcher under /console/; every asset is a file of its own (no inline script,
// so the page runs under a Content-Security-Policy without 'unsafe-inline').
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false } },
});
