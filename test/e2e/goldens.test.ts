// A screenshot of every page type of the explorer, checked against a named golden
// (test/e2e/goldens/*.png) with a tolerance: a changed layout, a missing chart or an empty panel
// fails; anti-aliasing does not. The demo run is deterministic, so the pages are too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { buildApp, demoRuns, findChromium, openPage, type Watched } from './setup.js';
import { matchGolden } from './golden.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;

/** Page type → route and the test id that marks it rendered. */
const PAGES: [name: string, hash: string, ready: string][] = [
  ['overview', '#/', 'overview'],
  ['layer', '#/layer/layer4.1', 'neuron-card'],
  ['neuron', '#/neuron/layer4.1/3', 'neuron'],
  ['concepts', '#/concepts/layer4.1', 'concept-node'],
  ['circuits', '#/circuits', 'circuit-queries'],
  ['probes', '#/probes', 'probe-layer'],
  ['attributions', '#/attribution', 'attribution-runs'],
  ['attribution', '#/attribution/demo', 'curves-chart'],
  ['images', '#/images', 'image-row'],
  ['image', '#/image/0', 'live-top5'],
];

describe('explorer screenshots against named goldens (chromium)', { skip, timeout: 300_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let w: Watched;
  let page: Page;

  before(async () => {
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    server = await startServer({ run: join(demo.runs, 'emoji-resnet'), port: 0, webDir: app.dir });
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] });
    w = await openPage(browser);
    page = w.page;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Renders a route and waits for its data, images and charts to settle. */
  async function settled(hash: string, ready: string): Promise<Buffer> {
    await page.goto(`${server.url}${hash}`);
    // The image page's live panel loads the model into the browser first.
    await page.getByTestId(ready).first().waitFor({ timeout: 120_000 });
    await page.waitForLoadState('networkidle');
    await page.waitForFunction('Array.from(document.images).every((i) => i.complete)');
    assert.equal(await page.getByTestId('error-banner').count(), 0, `error banner on ${hash}`);
    // Charts and virtualised lists lay out on the next frames.
    await page.waitForTimeout(400);
    return page.screenshot({ fullPage: false, animations: 'disabled', caret: 'hide' });
  }

  for (const [name, hash, ready] of PAGES) {
    test(`${name} page (${hash})`, async () => {
      const { share } = await matchGolden(`page-${name}`, await settled(hash, ready));
      assert.ok(share <= 0.01);
    });
  }

  test('the circuit page, opened on its default circuit', async () => {
    await settled('#/circuits', 'circuit-queries');
    await page.getByTestId('circuit-link').first().click();
    await page.getByTestId('circuit').first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(400);
    await matchGolden('page-circuit', await page.screenshot({ animations: 'disabled', caret: 'hide' }));
  });

  test('no console errors on any page', () => {
    assert.deepEqual(w.errors, []);
  });
});
