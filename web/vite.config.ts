// The explorer SPA. Built into ../dist/web with relative URLs (base './') so the same bundle works
// from `neurolens serve` at any sub-path and from a static export opened from disk (file://).
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Chromium refuses module scripts and CORS-mode requests from file:// pages, so the built page
 * loads one classic (IIFE) script, deferred, and no `crossorigin` attributes.
 */
function classicScript(): Plugin {
  return {
    name: 'neurolens-classic-script',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler: (html) =>
        html
          .replace(/<script type="module" crossorigin/g, '<script defer')
          .replace(/<script type="module"/g, '<script defer')
          .replace(/ crossorigin(="[^"]*")?/g, ''),
    },
  };
}

/** onnxruntime-web's dist folder (the live interventions' in-browser runtime). */
const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
/** Its WebAssembly binary and the ES module that loads it. */
const ORT_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

/**
 * Copies the runtime files to `ort/` of the build (fixed names, so the explorer runs models offline
 * and web/src/live.ts finds them); the dev server serves the same paths from node_modules.
 */
function ortWasm(): Plugin {
  return {
    name: 'neurolens-ort-wasm',
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(join(ORT_DIST, name)) });
    },
    configureServer(server) {
      for (const name of ORT_FILES) {
        server.middlewares.use(`/ort/${name}`, (_req, res) => {
          res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
          res.end(readFileSync(join(ORT_DIST, name)));
        });
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), classicScript(), ortWasm()],
  resolve: {
    // The build of onnxruntime-web that loads its WebAssembly glue from `env.wasm.wasmPaths` (ort/)
    // instead of embedding it: the embedded one names its .wasm via import.meta.url, which a
    // classic (IIFE) script does not have, and would make the bundler copy the 14 MB binary again.
    alias: { 'onnxruntime-web/wasm': join(ORT_DIST, 'ort.wasm.min.mjs') },
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    modulePreload: false,
    rolldownOptions: {
      output: { format: 'iife', codeSplitting: false },
      // onnxruntime-web reads import.meta.url (empty in a classic script) only to find its files
      // when env.wasm.wasmPaths is unset; web/src/live.ts always sets it, so the warning is moot.
      onLog(level, log, handler) {
        if (log.code === 'EMPTY_IMPORT_META' && /onnxruntime-web/.test(log.id ?? log.message)) return;
        handler(level, log);
      },
    },
  },
});
