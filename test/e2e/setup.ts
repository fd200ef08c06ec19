// Shared setup of the explorer's end-to-end tests: a chromium binary (never downloaded), a demo run
// (made once with the real CLI, or reused from NEUROLENS_E2E_DEMO), the app built from web/ into a
// temp folder, and a browser page that records console errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/** The chromium executable to drive, or null (the tests then skip with this message). */
export function findChromium(): { path: string } | { skip: string } {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return { path };
  return { skip: `no chromium binary at ${path} (set CHROMIUM_PATH to a Chromium/Chrome executable); the explorer e2e tests are skipped` };
}

function run(args: string[], what: string): Promise<{ seconds: number; stdout: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ seconds: (Date.now() - started) / 1000, stdout });
      else reject(new Error(`${what} failed (exit ${code}):\n${stderr.slice(-4000)}`));
    });
  });
}

/**
 * A demo folder holding quick/runs/emoji-resnet: NEUROLENS_E2E_DEMO (the `--out` of an earlier
 * `neurolens demo --quick`, or its quick/ folder) if set, else a fresh `demo --quick` in a temp dir.
 */
export async function demoRuns(): Promise<{ runs: string; made: boolean; seconds: number }> {
  // The demo test's finished output, when the test runner ran it first (scripts/run-tests.mjs).
  const shared = process.env.NEUROLENS_TEST_SHARED;
  const sharedDemo = shared ? join(shared, 'demo') : undefined;
  const given = process.env.NEUROLENS_E2E_DEMO ?? (sharedDemo && existsSync(join(sharedDemo, 'quick', 'runs', 'emoji-vit', 'attribution', 'demo', 'eval.json')) ? sharedDemo : undefined);
  if (given) {
    const runs = [join(given, 'quick', 'runs'), join(given, 'runs')].find((p) => existsSync(join(p, 'emoji-resnet', 'manifest.json')));
    if (!runs) throw new Error(`NEUROLENS_E2E_DEMO=${given} holds no quick/runs/emoji-resnet/manifest.json`);
    return { runs, made: false, seconds: 0 };
  }
  const out = join(mkdtempSync(join(tmpdir(), 'neurolens-e2e-demo-')), 'demo');
  const { seconds } = await run(['--import', 'tsx', CLI, 'demo', '--quick', '--out', out], 'neurolens demo --quick');
  return { runs: join(out, 'quick', 'runs'), made: true, seconds };
}

/**
 * Builds the app from web/ into a temp folder (so the tests see the current sources). Under the
 * test runner (NEUROLENS_TEST_SHARED) the e2e files share one build: the first builds it into a
 * private folder and renames it into place, later ones reuse it.
 */
export async function buildApp(): Promise<{ dir: string; seconds: number }> {
  const shared = process.env.NEUROLENS_TEST_SHARED;
  const sharedDir = shared ? join(shared, 'web-app') : undefined;
  if (sharedDir && existsSync(join(sharedDir, 'index.html'))) return { dir: sharedDir, seconds: 0 };
  const dir = join(mkdtempSync(join(shared ?? tmpdir(), 'neurolens-e2e-web-')), 'web');
  const { seconds } = await run([VITE, 'build', 'web', '--outDir', dir, '--emptyOutDir', '--logLevel', 'error'], 'vite build web');
  if (!sharedDir) return { dir, seconds };
  try {
    renameSync(dir, sharedDir);
  } catch {
    // Another file's build got there first: both are builds of the same sources.
    return { dir, seconds };
  }
  return { dir: sharedDir, seconds };
}

export function screenshotDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-e2e-shots-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Console errors and page errors seen by a page, with the URL shown when they happened. */
export interface Watched {
  page: Page;
  errors: string[];
}

export async function openPage(browser: Browser): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: page error: ${e.message}`));
  return { page, errors };
}

/** naturalWidth of every <img> a locator matches, once each has finished loading. */
export async function loadedImageWidths(page: Page, selector: string): Promise<number[]> {
  await page.waitForFunction(
    `Array.from(document.querySelectorAll(${JSON.stringify(selector)})).every((i) => i.complete)`,
    undefined,
    { timeout: 15_000 },
  );
  // Browser-side code: typed loosely since the project's type-check has no DOM library.
  return page.locator(selector).evaluateAll((els: { naturalWidth?: number }[]) => els.map((e) => e.naturalWidth ?? 0));
}

/** GETs an API endpoint of the server at `base` through the page's request context; asserts 200. */
export async function apiJson<T>(page: Page, base: string, endpoint: string): Promise<T> {
  const response = await page.request.get(new URL(endpoint.replace(/^\//, ''), base).href);
  if (response.status() !== 200) throw new Error(`${endpoint}: HTTP ${response.status()}`);
  return (await response.json()) as T;
}

/** Opens a route of the app, waits for the element marking it rendered, and fails on an error banner. */
export async function openRoute(page: Page, base: string, hash: string, ready: string): Promise<void> {
  await page.goto(`${base}${hash}`);
  await page.getByTestId(ready).first().waitFor();
  const banners = await page.getByTestId('error-banner').allInnerTexts();
  if (banners.length > 0) throw new Error(`error banner on ${hash}: ${banners.join(' | ')}`);
}
