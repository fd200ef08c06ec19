// End-to-end test of the explorer's layer grid: a copy of the demo run with feature visualisations
// made for a few neurons of one layer (in-process, few steps), served by the real server and driven
// in headless Chromium. Cards show visualisations and exemplar thumbnails, sort and filter as the
// API does, only the rows in view are in the DOM, and nothing logs an error. Needs a local chromium
// (skipped otherwise); NEUROLENS_E2E_DEMO=DIR reuses an earlier `neurolens demo --quick --out DIR`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { NeuronsPage } from '../../src/server/api.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { visualize } from '../../src/visualize/index.js';
import { buildApp, demoRuns, findChromium, loadedImageWidths, openPage, ROOT, screenshotDir, type Watched } from './setup.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

const LAYER = 'layer4.1';
const VISUALIZED = [0, 1, 2, 3, 4, 5];

describe('layer grid (e2e, chromium)', { skip, timeout: 300_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let w: Watched;
  let page: Page;
  let shots: string;
  let copy: string;
  const timings: Record<string, number> = {};

  const api = async (query: string): Promise<NeuronsPage> => {
    const response = await page.request.get(`${server.url}api/layers/${LAYER}/neurons?limit=500&${query}`);
    assert.equal(response.status(), 200, query);
    return (await response.json()) as NeuronsPage;
  };
  const cardIndices = async (): Promise<number[]> => (await page.getByTestId('neuron-card').evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => Number(e.getAttribute('data-index')))));
  const total = () => page.getByTestId('neuron-total').innerText();
  /** Waits until the toolbar shows exactly `text` as the neuron count. */
  const showsTotal = (text: string) => page.getByTestId('neuron-total').filter({ hasText: new RegExp(`^${text}$`) }).waitFor();

  before(async () => {
    const t0 = Date.now();
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    copy = mkdtempSync(join(tmpdir(), 'neurolens-e2e-grid-'));
    const run = join(copy, 'emoji-resnet');
    // A copy made while a demo still writes would carry its lock, which is no lock on the copy.
    cpSync(join(demo.runs, 'emoji-resnet'), run, { recursive: true, filter: (src) => !src.includes('.explorer-cache') && !src.endsWith('.lock') });
    const t1 = Date.now();
    const result = await visualize({ model: join(ROOT, 'models', 'emoji-resnet.onnx'), run, layers: [LAYER], neurons: VISUALIZED, steps: 8, batch: VISUALIZED.length, threads: 1 });
    assert.equal(result.total, VISUALIZED.length);
    timings.visualize = (Date.now() - t1) / 1000;
    server = await startServer({ run, port: 0, webDir: app.dir });
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    w = await openPage(browser);
    page = w.page;
    shots = screenshotDir();
    timings.setup = (Date.now() - t0) / 1000;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (copy) rmSync(copy, { recursive: true, force: true });
    console.log(`# layer grid e2e timings (s): ${JSON.stringify(timings)}; screenshots in ${shots}`);
  });

  test('cards show visualisations with their check, exemplar thumbnails and flagged labels; the DOM stays small', async () => {
    const t0 = Date.now();
    await page.goto(`${server.url}#/layer/${LAYER}`);
    await page.getByTestId('neuron-card').first().waitFor();
    assert.equal(await page.getByTestId('error-banner').count(), 0);
    assert.match(await total(), /^192 neurons$/);
    assert.match(await page.getByTestId('vis-summary').innerText(), /^Feature visualisations: 6 of 192 neurons; \d+ pass their check/);

    await page.getByTestId('neuron-sort').selectOption('index');
    await page.locator('[data-testid="neuron-card"][data-index="0"] [data-testid="card-vis"]').waitFor();
    const perRow = Number(/(\d+) per row/.exec((await page.getByTestId('neuron-grid').getAttribute('aria-label'))!)![1]);
    assert.ok(perRow >= 3, `cards per row at 1280 px: ${perRow}`);
    // Visualisations are 64×64 PNGs (the model's input) served from RUN/visualize via /files/.
    const visWidths = await loadedImageWidths(page, '[data-testid="card-vis"]');
    assert.deepEqual(visWidths, VISUALIZED.map(() => 64));
    const stored = await api('sort=index');
    const checks = await page.getByTestId('card-vis-check').evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => e.getAttribute('data-pass')));
    assert.deepEqual(checks, VISUALIZED.map((c) => String(stored.neurons[c]!.visualization!.check!.pass)));
    // Neuron 6 on: no visualisation, and the card says how to make one.
    assert.match(await page.locator('[data-testid="neuron-card"][data-index="6"] [data-testid="card-novis"]').innerText(), /no visualisation — run neurolens visualize --layers layer4\.1 --neurons 6/);
    const thumbs = await loadedImageWidths(page, '[data-testid="card-exemplar"]');
    assert.ok(thumbs.length >= 4 * perRow && thumbs.every((px) => px > 0), `exemplar thumbnails load (${thumbs.length})`);
    await page.screenshot({ path: join(shots, 'layer-grid.png'), fullPage: true });

    // Row virtualisation: a few rows of cards, never the whole layer, also after scrolling to the end.
    const before = await cardIndices();
    assert.ok(before.length >= perRow && before.length <= 6 * perRow && before.length < 192, `cards in the DOM: ${before.length}`);
    await page.getByTestId('neuron-grid').evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.locator('[data-testid="neuron-card"][data-index="191"]').waitFor();
    const end = await cardIndices();
    assert.ok(end.length <= 6 * perRow && !end.includes(0), `after scrolling: ${end.length} cards, first ${end[0]}`);

    // A label that failed its significance test is flagged, not shown as the neuron's label.
    const failed = stored.neurons.find((n) => n.labelCheck === 'fail');
    assert.ok(failed, 'the demo layer has a neuron whose enrichment label failed');
    const row = Math.floor(failed.index / perRow);
    await page.getByTestId('neuron-grid').evaluate((el: { scrollTop: number }, top: number) => {
      el.scrollTop = top;
    }, row * 206);
    const label = page.locator(`[data-testid="neuron-card"][data-index="${failed.index}"] [data-testid="card-label"]`);
    await label.waitFor();
    assert.equal(await label.getAttribute('data-check'), 'fail');
    assert.match(await label.innerText(), /^✗ unlabelled \(best “.+”, q /);
    timings.cards = (Date.now() - t0) / 1000;
  });

  test('sorting and filtering give what the API gives', async () => {
    const t0 = Date.now();
    await page.getByTestId('neuron-sort').selectOption('rate');
    const byRate = await api('sort=rate');
    await page.locator(`[data-testid="neuron-card"][data-index="${byRate.neurons[0]!.index}"]`).waitFor();
    assert.deepEqual((await cardIndices()).slice(0, 3), byRate.neurons.slice(0, 3).map((n) => n.index));

    const labelled = byRate.neurons.find((n) => n.labelCheck === 'pass' && n.label?.text);
    assert.ok(labelled, 'the demo layer has a significant label');
    const text = labelled.label!.text!;
    const expected = await api(`sort=rate&q=${encodeURIComponent(text)}`);
    await page.getByTestId('filter-label').fill(text);
    await showsTotal(`${expected.total} of 192 neurons`);
    assert.deepEqual(await cardIndices(), expected.neurons.map((n) => n.index));
    await page.getByTestId('filter-label').fill('');
    await showsTotal('192 neurons');

    const inCircuits = await api('sort=rate&circuit=*');
    assert.ok(inCircuits.total > 0 && inCircuits.total < 192);
    await page.getByTestId('filter-circuit').selectOption('*');
    await showsTotal(`${inCircuits.total} of 192 neurons`);
    assert.deepEqual((await cardIndices()).slice(0, 3), inCircuits.neurons.slice(0, 3).map((n) => n.index));
    assert.ok((await page.getByTestId('card-circuits').allInnerTexts()).every((t) => /^\d+ circuits?$/.test(t)));

    await page.getByTestId('filter-clear').click();
    await showsTotal('192 neurons');
    await page.getByTestId('filter-min-rate').fill('50');
    const busy = await api('sort=rate&minRate=0.5');
    await showsTotal(`${busy.total} of 192 neurons`);
    await page.getByTestId('filter-clear').click();
    await showsTotal('192 neurons');
    timings.sortFilter = (Date.now() - t0) / 1000;
  });

  test('no console errors', () => {
    assert.deepEqual(w.errors, []);
  });
});
