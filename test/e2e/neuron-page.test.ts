// End-to-end test of the neuron page's analysis sections: a copy of the demo run gets the
// `neurons --effects` outputs for one layer (small sample) and a feature visualisation of one
// neuron, then the page is driven in headless Chromium. Needs a local chromium (see setup.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openNeuronsRun, writeEffects } from '../../src/neurons/index.js';
import type { NeuronResponse } from '../../src/server/api.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { visualize } from '../../src/visualize/pipeline.js';
import { buildApp, demoRuns, findChromium, loadedImageWidths, openPage, screenshotDir, type Watched } from './setup.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

const LAYER = 'layer1.0';
const NEURON = 3;

describe('neuron page sections (e2e, chromium)', { skip, timeout: 900_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let copy: string;
  let w: Watched;
  let page: Page;
  let shots: string;

  before(async () => {
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    copy = mkdtempSync(join(tmpdir(), 'neurolens-e2e-neuron-'));
    const runDir = join(copy, 'emoji-resnet');
    // Without the lock of a writer that may still run on the source, and without any effects or
    // visualisation outputs it may already hold (this test writes its own).
    cpSync(join(demo.runs, 'emoji-resnet'), runDir, { recursive: true, filter: (src) => !/(\.lock|[\\/]neurons[\\/]effects\.[^\\/]*|[\\/]neurons[\\/]heatmaps|[\\/]visualize)$/.test(src) });
    const t0 = Date.now();
    const neuronsRun = await openNeuronsRun(runDir, { layers: [LAYER] });
    await writeEffects(neuronsRun, { effectImages: 4, heatmaps: 2, seed: 0, batch: 33, threads: 2 });
    const t1 = Date.now();
    await visualize({ model: neuronsRun.manifest.model.path, run: runDir, layers: [LAYER], neurons: [NEURON], steps: 16, threads: 2 });
    console.log(`# neuron page e2e: effects of ${LAYER} in ${((t1 - t0) / 1000).toFixed(1)} s, visualisation in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    server = await startServer({ run: runDir, port: 0, webDir: app.dir });
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    w = await openPage(browser);
    page = w.page;
    shots = screenshotDir();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  async function go(hash: string): Promise<void> {
    await page.goto(`${server.url}${hash}`);
    await page.getByTestId('neuron').waitFor();
    assert.equal(await page.getByTestId('error-banner').count(), 0);
  }

  test('heatmaps, quantile and lowest images, ablation effects, correlated neurons and the visualisation render with real content', async () => {
    await go(`#/neuron/${LAYER}/${NEURON}`);
    const response = await page.request.get(new URL(`api/neuron/${LAYER}/${NEURON}`, server.url).href);
    const n = (await response.json()) as NeuronResponse;
    // One pooling, stated: the neurons stage's (the demo ranks exemplars by max).
    assert.equal(n.pooling, 'max');
    assert.match(await page.getByTestId('neuron-pooling').innerText(), /max-pooled/);
    assert.match(await page.getByRole('heading', { name: /Activation histogram/ }).innerText(), /max pooling/);

    const heatmaps = await loadedImageWidths(page, '[data-testid="heatmap-img"]');
    assert.equal(heatmaps.length, 2);
    assert.ok(heatmaps.every((px) => px > 0), `heatmap widths ${heatmaps}`);
    assert.match(await page.getByTestId('neuron-heatmaps').innerText(), /value [-+\d.e]+; hot pixels removed [-+\d.e]+, random [-+\d.e]+ (✓|✗)/);

    assert.equal(await page.getByTestId('quantile-band').count(), n.distribution.bands.length);
    const thumbs = await loadedImageWidths(page, '[data-testid="distribution-img"]');
    assert.ok(thumbs.length >= 6 * 4 && thumbs.every((px) => px > 0));
    assert.match(await page.getByTestId('neuron-lowest').innerText(), /\d/);

    const rows = page.getByTestId('ablation-row');
    assert.equal(await rows.count(), n.effects!.ablation!.up.length + n.effects!.ablation!.down.length);
    assert.ok((await rows.count()) > 0);
    assert.match(await page.getByTestId('neuron-ablation').innerText(), /over 4 images/);

    assert.equal(await page.getByTestId('correlated-row').count(), n.correlations.neurons.length);
    assert.ok(n.correlations.neurons.some((x) => x.relation === 'same') && n.correlations.neurons.some((x) => x.relation === 'next'));

    assert.deepEqual((await loadedImageWidths(page, '[data-testid="visualization-img"]')).length, 1);
    assert.match(await page.getByTestId('neuron-visualization').innerText(), /best dataset image/);
    assert.equal(await page.getByTestId('not-computed').count(), 0);
    await page.screenshot({ path: join(shots, 'neuron-sections.png'), fullPage: true });
    assert.deepEqual(w.errors, []);
  });

  test('a neuron without the model stages says which command computes them', async () => {
    await go('#/neuron/layer4.1/3');
    assert.equal(await page.getByTestId('not-computed').count(), 3);
    assert.match(await page.getByTestId('not-computed').first().innerText(), /neurolens neurons --run RUN --effects/);
    assert.ok((await page.getByTestId('correlated-row').count()) > 0, 'correlations need no model stage');
    assert.deepEqual(w.errors, []);
  });
});
