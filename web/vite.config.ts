/**
 * Build and dev-server config of the web console. The app lives in web/, builds to dist/web (served by the
 * server), and in development proxies /api (HTTP and WebSocket) to a locally running server.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type Rollup } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

type OutputChunk = Rollup.OutputChunk;

/**
 * The chunks the console's start evaluates: the entry, what it imports, and the steps it imports on its own
 * (web/src/main.ts), with their imports in turn. Screens opened later are not among them.
 */
function startChunks(bundle: Rollup.OutputBundle, entry: OutputChunk): OutputChunk[] {
  const found = new Map<string, OutputChunk>();
  const visit = (file: string) => {
    const c = bundle[file];
    if (!c || c.type !== 'chunk' || found.has(file)) return;
    found.set(file, c);
    c.imports.forEach(visit);
  };
  visit(entry.fileName);
  entry.dynamicImports.forEach(visit);
  return [...found.values()];
}

/**
 * The entry imports the console in steps (web/src/main.ts). Without help the browser would only learn of those
 * chunks when the entry runs; preloading them and their style sheets from index.html fetches everything at once.
 */
function preloadEntrySteps(): Plugin {
  return {
    name: 'knm-preload-entry-steps',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return undefined;
        const already = new Set([
          chunk.fileName,
          ...chunk.imports,
          ...(chunk.viteMetadata?.importedCss ?? []),
        ]);
        const chunks = startChunks(bundle, chunk);
        const scripts = chunks.map((c) => c.fileName);
        const sheets = new Set(chunks.flatMap((c) => [...(c.viteMetadata?.importedCss ?? [])]));
        const link = (rel: string) => (file: string) => ({
          tag: 'link',
          attrs: { rel, crossorigin: true, href: `/${file}` },
          injectTo: 'head' as const,
        });
        return [
          ...scripts.filter((f) => !already.has(f)).map(link('modulepreload')),
          ...[...sheets].filter((f) => !already.has(f)).map(link('stylesheet')),
        ];
      },
    },
  };
}

/**
 * Marks the start's chunks for eager compilation (V8's explicit compile hints; other engines read a comment).
 * Chromium otherwise compiles each function on the main thread at its first call: 100–200 ms spread over the
 * start's tasks, measured with a trace of a 5,000-node load. Marked, the functions are compiled on a background
 * thread while the chunk streams in.
 */
function compileStartEagerly(): Plugin {
  const HINT = '//# allFunctionsCalledOnLoad\n';
  return {
    name: 'knm-compile-start-eagerly',
    apply: 'build',
    // After minification, which would drop the comment.
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const entry = Object.values(bundle).find((c): c is OutputChunk => c.type === 'chunk' && c.isEntry);
        if (!entry) return;
        for (const c of startChunks(bundle, entry)) c.code = HINT + c.code;
      },
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [vue(), preloadEntrySteps(), compileStartEagerly()],
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
          // Style sheets are extracted to <link>s; grouped with a library they would make the entry import its
          // whole chunk, evaluated before the entry's first line.
          if (!id.includes('node_modules') || id.endsWith('.css')) return undefined;
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
