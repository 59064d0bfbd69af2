/**
 * Build and dev-server config of the web console. The app lives in web/, builds to dist/web (served by the
 * server), and in development proxies /api (HTTP and WebSocket) to a locally running server.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  define: {
    // vue-i18n: precompiled-at-runtime messages via its JIT (no eval, so the CSP script-src 'self' holds).
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The node screen's chunk carries Element Plus's table, select and dialog code; the rest loads on demand.
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: apart, they stay cached across releases, and the browser
        // fetches and compiles them in parallel with the app's own code.
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined;
          if (
            /node_modules\/(element-plus|@element-plus|@floating-ui|@ctrl|async-validator|dayjs|lodash)/.test(
              id,
            )
          )
            return 'element-plus';
          if (/node_modules\/(@vue|vue|vue-i18n|@intlify)\//.test(id)) return 'vue';
          return 'vendor';
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true, changeOrigin: false },
    },
  },
});
