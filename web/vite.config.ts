import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    // The first test to open a lazily loaded page waits for Vite to transform
    // Element Plus; on a busy two-core machine that alone can pass 5 s.
    testTimeout: 20_000,
    // Element Plus imports the CommonJS async-validator as if it were an ES
    // module; let Vite resolve that, as it does for the browser build.
    server: { deps: { inline: ['element-plus'] } },
    unstubGlobals: true,
  },
})
