// The explorer SPA. Built into ../dist/web with relative URLs (base './') so the same bundle works
// from `neurolens serve` at any sub-path and from a static export opened from disk (file://).
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

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

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), classicScript()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    modulePreload: false,
    rolldownOptions: {
      output: { format: 'iife', codeSplitting: false },
    },
  },
});
