/** Where the prebuilt single-page app lives (dist/web: index.html + assets/), found from this module. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeurolensError } from '../errors.js';
import { serverMessages } from '../messages/index.js';

/**
 * dist/web relative to this module: from dist/server (built) and from src/server (run through
 * tsx) alike, `../../dist/web` is the package's dist/web.
 */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../dist/web', import.meta.url));
}

/** `dir` (default {@link defaultWebDir}) if it holds index.html; else a NeurolensError saying to build. */
export function requireWebDir(dir: string = defaultWebDir()): string {
  if (!existsSync(join(dir, 'index.html'))) throw new NeurolensError('input', serverMessages.noWebApp(dir));
  return dir;
}

export async function readIndexHtml(dir: string): Promise<string> {
  return readFile(join(dir, 'index.html'), 'utf8');
}
