#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (dist/), built by `npm install` (prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('neurolens: error: the compiled CLI is missing (dist/cli/main.js); run `npm run build` in the neurolens folder.\n');
  process.exit(1);
}
await import(entry.href);
