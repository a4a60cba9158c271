import { defineConfig } from 'vite';

// The API server serves dist/ at `/` and `/assets/*`.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  logLevel: 'warn',
});
