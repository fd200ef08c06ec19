// End-to-end test of the circuit page on the demo run (headless Chromium; skipped without one):
// it opens on the most important circuit by the rule it states, the Sankey's nodes carry concept
// names and channel numbers and show a tooltip on hover, a clicked node's reference crops load,
// the circuit's faithfulness numbers are on the page (failing ones marked), the diagnosis defines
// the sign of Δ, and nothing logs an error. NEUROLENS_E2E_DEMO=DIR reuses a finished demo.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { exportReport } from '../../src/server/export.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import type { CircuitFile, CircuitResponse, CircuitsResponse } from '../../src/server/api.js';
import { buildApp, demoRuns, findChromium, loadedImageWidths, openPage, screenshotDir, type Watched, apiJson } from './setup.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

/** The page's rule, computed here from the stored circuits: largest drop among passing circuits, else the largest drop. */
function mostImportant(circuits: CircuitFile['circuits']): string {
  const measured = circuits.filter((c) => typeof c.effect?.drop === 'number');
  const passing = measured.filter((c) => c.effect!.verdict?.pass === true);
  const pool = passing.length > 0 ? passing : measured;
  return pool.reduce((a, b) => (b.effect!.drop > a.effect!.drop ? b : a)).id;
}

/** As the page formats numbers (web/src/format.ts) for the magnitudes the demo's drops have. */
const three = (x: number) => (Math.abs(x) !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));

describe('circuit page (e2e, chromium)', { skip, timeout: 600_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let w: Watched;
  let page: Page;
  let shots: string;
  let runDir: string;
  let webDir: string;

  const api = <T>(endpoint: string): Promise<T> => apiJson<T>(page, server.url, endpoint);

  before(async () => {
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    runDir = join(demo.runs, 'emoji-resnet');
    webDir = app.dir;
    server = await startServer({ run: runDir, port: 0, webDir });
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    w = await openPage(browser);
    page = w.page;
    shots = screenshotDir();
    console.log(`# circuit page e2e: screenshots in ${shots}`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('opens on the stated most important circuit; labelled, hoverable nodes whose crops load; faithfulness; Δ defined', async () => {
    const list = await api<CircuitsResponse>('/api/circuits');
    // The query with the most circuits, so "most important" is a real choice.
    const busiest = [...list.queries].sort((a, b) => b.circuits - a.circuits || a.name.localeCompare(b.name))[0]!;
    assert.ok(busiest.circuits >= 2, `the demo has a query with several circuits (${busiest.circuits})`);
    const c = await api<CircuitResponse>(`/api/circuits/${busiest.name}`);
    const expected = mostImportant(c.result.circuits);
    assert.equal(c.default.id, expected, 'the API picks by the stated rule');

    await page.goto(`${server.url}#/circuits`);
    const row = page.getByTestId('circuit-queries').locator('tbody tr').filter({ has: page.getByTestId('circuit-link').filter({ hasText: new RegExp(`^${busiest.name}$`) }) });
    assert.match(await row.getByTestId('query-default').innerText(), new RegExp(`^${expected.replace(/[.#]/g, '\\$&')} drop `), 'the list names the circuit the page opens on');
    await page.getByTestId('circuit-link').filter({ hasText: new RegExp(`^${busiest.name}$`) }).click();
    await page.getByTestId('sankey').waitFor();
    // The page states its rule and opens on that circuit (no circuit in the URL).
    assert.match(await page.getByTestId('default-rule').innerText(), /most important circuit.*largest drop of the predicted logit.*beat random neurons/s);
    assert.equal(await page.getByTestId('default-circuit').innerText(), expected);
    assert.equal(await page.getByTestId('circuit-select').inputValue(), expected);
    assert.match(await page.getByTestId('circuit-select').locator('option:checked').innerText(), /^★ /);

    // Every node is labelled with its channel number, and with its concept name where it has one.
    const current = c.sankey.find((s) => s.id === expected)!;
    const labels = await page.getByTestId('sankey-label').allTextContents();
    assert.equal(labels.length, current.nodes.length);
    for (const n of current.nodes) {
      const text = await page.locator(`[data-testid="sankey-node"][data-node="${n.id}"] [data-testid="sankey-label"]`).textContent();
      assert.match(text ?? '', new RegExp(`#${n.channel}$`), `${n.id} shows its channel`);
      if (n.concept) assert.ok(text!.startsWith(n.concept.caption.slice(0, 12)), `${n.id} shows its concept "${n.concept.caption}": ${text}`);
    }
    const fontSize = await page.getByTestId('sankey-label').first().evaluate((el: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(el).fontSize);
    assert.ok(parseFloat(fontSize) >= 13, `labels are readable (${fontSize})`);
    const svgWidth = Number(await page.getByTestId('sankey').getAttribute('width'));
    assert.ok(svgWidth >= 1000, `the Sankey uses the page width (${svgWidth} px)`);

    // Hover: the tooltip names the node, its layer and channel, its importance and checks.
    const target = current.nodes.find((n) => n.concept) ?? current.nodes[current.nodes.length - 1]!;
    await page.locator(`[data-testid="sankey-node"][data-node="${target.id}"] rect.sankey-node`).hover();
    const tip = page.getByTestId('sankey-tooltip');
    await tip.waitFor();
    const tipText = await tip.innerText();
    for (const part of [target.layer, `#${target.channel}`, 'activation on the query', 'importance: sensitivity in', 'support gate']) assert.ok(tipText.includes(part), `tooltip has "${part}": ${tipText}`);
    if (target.concept) assert.ok(tipText.includes(target.concept.caption) && tipText.includes('✓ named'), tipText);
    await page.screenshot({ path: join(shots, 'circuit-hover.png'), fullPage: true });

    // Click: the node's reference images and their region crops load.
    await page.locator(`[data-testid="sankey-node"][data-node="${target.id}"] rect.sankey-node`).click();
    assert.equal(await page.getByTestId('node-detail-label').innerText(), target.label);
    assert.ok(target.crops && target.crops.images.length > 0, 'the demo node has reference images');
    const crops = await loadedImageWidths(page, '[data-testid="node-detail"] [data-testid="node-crop"]');
    assert.equal(crops.length, target.crops!.images.length);
    assert.ok(crops.every((px) => px > 0), `every crop loaded (${crops})`);
    const refs = await loadedImageWidths(page, '[data-testid="node-reference-img"]');
    assert.ok(refs.length > 0 && refs.every((px) => px > 0), `every reference image loaded (${refs})`);
    assert.ok((await page.getByTestId('node-detail').getByTestId('region-box').count()) >= 1, 'the region is drawn on a reference image');

    // The circuit's own faithfulness numbers.
    const effect = c.result.circuits.find((x) => x.id === expected)!.effect!;
    const headline = await page.getByTestId('faithfulness-headline').innerText();
    assert.ok(headline.includes(three(effect.drop)) && headline.includes(three(effect.random!.mean)), `drop and random drop shown: ${headline}`);
    assert.ok(headline.includes(`[${three(effect.difference!.ci[0])}, ${three(effect.difference!.ci[1])}]`), `difference interval shown: ${headline}`);
    await page.getByTestId('circuit-faithfulness').waitFor();
    await page.screenshot({ path: join(shots, 'circuit-node.png'), fullPage: true });

    // A circuit that fails its check is shown failing.
    const failing = c.result.circuits.find((x) => x.effect?.verdict?.pass === false);
    if (failing) {
      await page.getByTestId('circuit-select').selectOption(failing.id);
      await page.waitForURL((u) => decodeURIComponent(u.href).endsWith(failing.id));
      const line = page.getByTestId('faithfulness-headline');
      await line.filter({ hasText: three(failing.effect!.drop) }).waitFor();
      assert.match((await line.getAttribute('class')) ?? '', /check-failed/);
      assert.match(await line.innerText(), /✗ not above random.*fails its check/s);
    }

    // The diagnosis says what a positive Δ means.
    const diagnosed = list.queries.find((q) => q.diagnosis);
    assert.ok(diagnosed, 'the demo has a diagnosed query');
    await page.goto(`${server.url}#/circuit/${diagnosed.name}`);
    const definition = await page.getByTestId('delta-definition').innerText();
    assert.match(definition, /Δ = logit after the intervention − logit before/);
    assert.match(definition, /positive Δ means the intervention raised/);
    assert.match(await page.getByTestId('diagnosis').locator('thead').innerText(), /Δpredicted \(\+ = up\)/);
    await page.screenshot({ path: join(shots, 'circuit-diagnosis.png'), fullPage: true });

    assert.deepEqual(w.errors, [], 'no console errors');
  });

  test('static export: the circuit page opens on the same circuit and its node crops load from file://', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'neurolens-e2e-circuit-report-')), 'report');
    await exportReport({ run: runDir, out, webDir });
    const list = await api<CircuitsResponse>('/api/circuits');
    const busiest = [...list.queries].sort((a, b) => b.circuits - a.circuits || a.name.localeCompare(b.name))[0]!;
    const c = await api<CircuitResponse>(`/api/circuits/${busiest.name}`);
    const s = await openPage(browser);
    try {
      await s.page.goto(`${pathToFileURL(join(out, 'index.html')).href}#/circuit/${busiest.name}`);
      await s.page.getByTestId('sankey').waitFor();
      assert.equal(await s.page.getByTestId('default-circuit').innerText(), c.default.id);
      const crops = await loadedImageWidths(s.page, '[data-testid="node-detail"] [data-testid="node-crop"]');
      assert.ok(crops.length > 0 && crops.every((px) => px > 0), `the root's crops load from disk (${crops})`);
      assert.deepEqual(s.errors, []);
    } finally {
      await s.page.close();
    }
  });
});
