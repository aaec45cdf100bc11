import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Three apps from one build: the console (/), the grid worker's mobile app
// (/worker/) and the residents' mobile app (/resident/). They share the API
// client and locales; each loads only its own UI kit.
const page = (p: string) => fileURLToPath(new URL(p, import.meta.url))

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
    rollupOptions: {
      input: {
        console: page('./index.html'),
        worker: page('./worker/index.html'),
        resident: page('./resident/index.html'),
      },
    },
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
