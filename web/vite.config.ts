import { defineConfig } from 'vitest/config';

// The build must be reproducible: web/dist is committed and a Go test
// (internal/webui) rebuilds web/ and compares. Hashed file names come from
// content only, and nothing time- or path-dependent goes into the output.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      // react-query marks its files "use client" for server components;
      // irrelevant in a client bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        // React and ECharts change less often than the app: separate files
        // stay cached across releases.
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts';
          if (id.includes('node_modules/')) return 'vendor';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:18080' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
