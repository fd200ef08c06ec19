// End-to-end tests of the probes page and the attribution page: the demo's CNN run served by the
// real server (and exported with `report`), driven in headless Chromium. Same requirements as
// explorer.test.ts (setup.ts): a local chromium, and the demo run (NEUROLENS_E2E_DEMO reuses one).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { exportReport } from '../../src/server/export.js';
import type { AttributionResponse, MethodAggregate, ProbeLayerResponse, ProbesResponse } from '../../src/server/api.js';
import { buildApp, demoRuns, findChromium, loadedImageWidths, openPage, screenshotDir, type Watched, apiJson, openRoute } from './setup.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

/** A score as the pages write it: a 3-decimal fraction, never a percentage. */
const SCORE = /^−?-?\d\.\d{3}$/;

describe('probes and attribution pages (e2e, chromium)', { skip, timeout: 600_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let runDir: string;
  let webDir: string;
  let shots: string;
  let w: Watched;
  let page: Page;
  let base: string;

  const api = <T>(endpoint: string): Promise<T> => apiJson<T>(page, base, endpoint);

  const go = (hash: string, ready: string): Promise<void> => openRoute(page, base, hash, ready);

  /** Marks vega drew inside a chart (its SVG paths and lines; a horizontal rule has no height, so attached, not visible), once it has drawn. */
  async function chartMarks(p: Page, testId: string): Promise<number> {
    const marks = p.locator(`[data-testid="${testId}"] svg .role-mark path, [data-testid="${testId}"] svg .role-mark line`);
    await marks.first().waitFor({ state: 'attached' });
    return marks.count();
  }

  before(async () => {
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    runDir = join(demo.runs, 'emoji-resnet');
    webDir = app.dir;
    server = await startServer({ run: runDir, port: 0, webDir });
    base = server.url;
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    w = await openPage(browser);
    page = w.page;
    shots = screenshotDir();
    console.log(`# probes/attribution e2e: run ${runDir}; screenshots in ${shots}`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('probes page: reached from the navigation, per-layer AUC with its interval, failing probes shown failing, charts drawn', async () => {
    const list = await api<ProbesResponse>('/api/probes');
    assert.ok(list.layers.length >= 1, 'the demo run has probes');
    await go('#/', 'overview');
    await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Probes' }).click();
    await page.getByTestId('probe-layer').waitFor();
    assert.match(page.url(), /#\/probes$/);
    assert.equal(await page.getByTestId('probe-layer-link').count(), list.layers.length);
    const first = await api<ProbeLayerResponse>(`/api/probes/${encodeURIComponent(list.layers[0]!.layer)}`);
    assert.match(await page.getByTestId('probe-layer').locator('h2').innerText(), new RegExp(`^${first.layer.replace('.', '\\.')} `));
    // One row per concept, each with the test AUC and its 95 % interval; a failing probe is marked failing.
    const aucs = await page.getByTestId('probe-auc').allInnerTexts();
    assert.equal(aucs.length, first.probes.length);
    const withCi = first.probes.find((p) => p.auc !== null && p.aucCi !== null)!;
    const row = page.locator('tr', { has: page.getByRole('button', { name: withCi.name, exact: true }) });
    assert.equal(await row.getByTestId('probe-auc').innerText(), `${withCi.auc!.toFixed(3)} [${withCi.aucCi![0].toFixed(3)}, ${withCi.aucCi![1].toFixed(3)}]`);
    for (const text of aucs.filter((t) => t !== '—')) assert.match(text, /^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$/);
    assert.equal(await page.getByTestId('probe-row-failed').count(), first.failed + first.tooFew);
    assert.equal(await page.getByTestId('probe-check-failed').count(), first.failed + first.tooFew);
    assert.equal(await page.getByTestId('probe-row').count(), first.passed);
    // The AUC chart (interval rules and points) and the sparse-k curves are drawn by vega.
    assert.ok((await chartMarks(page, 'probe-auc-chart')) >= 1);
    assert.ok((await chartMarks(page, 'probe-k-chart')) >= 1);
    assert.ok((await chartMarks(page, 'probe-k-chart-concept')) >= 1, 'the focused concept has its own k-curve');
    await page.screenshot({ path: join(shots, 'probes.png'), fullPage: true });

    // Another layer from its link.
    if (list.layers.length > 1) {
      await page.getByTestId('probe-layer-link').nth(1).click();
      await page.getByTestId('probe-layer').locator('h2', { hasText: list.layers[1]!.layer }).waitFor();
    }
  });

  test('probes page: a top neuron links to its neuron page', async () => {
    const list = await api<ProbesResponse>('/api/probes');
    const layer = list.layers[0]!.layer;
    await go(`#/probes/${encodeURIComponent(layer)}`, 'probe-top-neuron');
    const link = page.getByTestId('probe-top-neuron').first();
    const channel = Number((await link.innerText()).replace('#', ''));
    assert.ok(Number.isInteger(channel));
    await link.click();
    await page.getByTestId('neuron').waitFor();
    assert.ok(page.url().endsWith(`#/neuron/${encodeURIComponent(layer)}/${channel}`), page.url());
    assert.match(await page.title(), new RegExp(`#${channel}\\b`));
  });

  test('attribution list: each folder says how many methods fail the check against random maps', async () => {
    const list = await api<{ runs: { name: string; checked: string[]; lessFaithful: string[] }[] }>('/api/attribution');
    const demo = list.runs.find((r) => r.name === 'demo')!;
    await go('#/attribution', 'attribution-runs');
    const text = await page.getByTestId('attribution-run-checks').first().innerText();
    assert.ok(text.startsWith(`✗ ${demo.lessFaithful.length} of ${demo.checked.length} less faithful than random`), text);
  });

  test('attribution page: original, target, colour bars, interactive curves, sanity check, one score format', async () => {
    const a = await api<AttributionResponse>('/api/attribution/demo');
    await go('#/attribution/demo', 'attribution');
    // The original beside the maps, and the target of every row.
    const originals = await loadedImageWidths(page, '[data-testid="original-img"]');
    assert.equal(originals.length, a.grid.filter((r) => r.index !== null).length);
    assert.ok(originals.length >= 1 && originals.every((px) => px > 0), `originals load (${originals})`);
    const targets = await page.getByTestId('target-label').allInnerTexts();
    assert.equal(targets.length, a.grid.length);
    assert.ok(targets.every((t) => /class \d+ \(.+\)/.test(t)), targets.join(' | '));
    // Readable tiles (≥ 128 px) and one colour bar per map with its values.
    const overlays = await loadedImageWidths(page, '[data-testid="overlay-img"]');
    assert.ok(overlays.length >= 1 && overlays.every((px) => px > 0), `overlays load (${overlays})`);
    const box = await page.getByTestId('overlay-img').first().boundingBox();
    assert.ok(box && box.height >= 128, `tile height ${box?.height}`);
    const cells = a.grid.flatMap((r) => Object.values(r.cells)).filter((c) => c.png && c.min !== null);
    assert.equal(await page.getByTestId('colour-bar').count(), cells.length);
    const firstCell = a.grid[0]!.cells[a.methods.find((m) => a.grid[0]!.cells[m]?.min !== null)!]!;
    assert.ok(firstCell.min! < firstCell.max!);
    assert.match(await page.getByTestId('colour-bar-min').first().innerText(), /^-?[\d.e+-]+$/);
    // The curves are vega charts (one per evaluated method), not raster PNGs.
    const aggregate = a.evaluation!.aggregate as Record<string, MethodAggregate>;
    const methods = Object.keys(aggregate);
    assert.equal(await page.getByTestId('curves-chart').count(), methods.length);
    assert.ok((await chartMarks(page, 'curves-chart')) >= 1);
    assert.equal(await page.locator('img[src*="curves."]').count(), 0, 'no raster curve charts');
    // Methods the eval flags as less faithful than random are shown failing.
    const flagged = methods.filter((m) => aggregate[m]!.checks?.lessFaithfulThanRandom);
    assert.ok(flagged.length >= 1 && flagged.length < methods.length, `the demo CNN has failing and passing methods (${flagged})`);
    assert.equal(await page.getByTestId('auc-row-failed').count(), flagged.length);
    // The sanity check's verdict and its chart.
    assert.ok(a.sanity.length >= 1, 'the demo runs the sanity check');
    assert.equal(await page.getByTestId('sanity-result').count(), a.sanity.length);
    assert.equal(await page.getByTestId(a.sanity[0]!.check.passed ? 'sanity-passed' : 'sanity-failed').count() >= 1, true);
    assert.ok((await chartMarks(page, 'sanity-chart')) >= 1);
    // One format for the scores: 3-decimal fractions (mean ± sd), never percentages.
    for (const text of await page.getByTestId('eval-score').allInnerTexts()) {
      const [mean, sd] = text.split('\n')[0]!.split(' ± ');
      assert.match(mean!, SCORE, text);
      if (sd !== undefined) assert.match(sd, SCORE, text);
    }
    assert.doesNotMatch(await page.getByTestId('attribution').innerText(), /\d\s?%/, 'no percentages on the page');
    await page.screenshot({ path: join(shots, 'attribution.png'), fullPage: true });
  });

  test('attribution curves are interactive: a legend click brings one curve forward', async () => {
    await go('#/attribution/demo', 'curves-chart');
    const chart = page.getByTestId('curves-chart').first();
    await chart.locator('svg .role-mark path').first().waitFor();
    const faded = () => chart.locator('svg .role-mark path[opacity="0.12"]').count();
    assert.equal(await faded(), 0);
    await chart.locator('svg .role-legend-symbol path').first().click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="curves-chart"] svg .role-mark path[opacity="0.12"]').length > 0`);
    assert.ok((await faded()) > 0, 'the other curves fade');
  });

  test('the static export shows both pages from file://', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'neurolens-e2e-report-')), 'report');
    await exportReport({ run: runDir, out, webDir, thumbs: true });
    const fileBase = pathToFileURL(join(out, 'index.html')).href;
    const s = await openPage(browser);
    try {
      await s.page.goto(`${fileBase}#/probes`);
      await s.page.getByTestId('probe-layer').waitFor();
      assert.ok((await chartMarks(s.page, 'probe-auc-chart')) >= 1);
      await s.page.goto(`${fileBase}#/attribution/demo`);
      await s.page.getByTestId('attribution').waitFor();
      const originals = await loadedImageWidths(s.page, '[data-testid="original-img"]');
      assert.ok(originals.length >= 1 && originals.every((px) => px > 0), `originals load from disk (${originals})`);
      assert.ok((await chartMarks(s.page, 'curves-chart')) >= 1);
      assert.deepEqual(s.errors, []);
    } finally {
      await s.page.close();
    }
  });

  test('no console errors on any page visited', () => {
    assert.deepEqual(w.errors, []);
  });
});
