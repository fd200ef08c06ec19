// End-to-end tests of the explorer: the real demo run served by the real server (and exported with
// `report`), driven in headless Chromium. Needs a local chromium (CHROMIUM_PATH, default
// /usr/bin/chromium; never downloaded) — skipped with a message otherwise. The demo run takes
// ~1–2 minutes; NEUROLENS_E2E_DEMO=DIR reuses an existing `neurolens demo --quick --out DIR`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { exportReport } from '../../src/server/export.js';
import type { CircuitResponse, CircuitsResponse, ConceptsResponse, OverviewResponse } from '../../src/server/api.js';
import { buildApp, demoRuns, findChromium, loadedImageWidths, openPage, screenshotDir, type Watched, apiJson, openRoute } from './setup.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

describe('explorer (e2e, chromium)', { skip, timeout: 600_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let runDir: string;
  let runsDir: string;
  let webDir: string;
  let shots: string;
  let w: Watched;
  let page: Page;
  let base: string;
  const timings: Record<string, number> = {};

  const api = <T>(endpoint: string): Promise<T> => apiJson<T>(page, base, endpoint);

  const go = (hash: string, ready: string): Promise<void> => openRoute(page, base, hash, ready);

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }

  before(async () => {
    const t0 = Date.now();
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    timings.demo = demo.seconds;
    timings.build = app.seconds;
    runsDir = demo.runs;
    runDir = join(demo.runs, 'emoji-resnet');
    webDir = app.dir;
    server = await startServer({ run: runDir, port: 0, webDir });
    base = server.url;
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    w = await openPage(browser);
    page = w.page;
    shots = screenshotDir();
    console.log(`# explorer e2e: run ${runDir}${demo.made ? ` (demo made in ${demo.seconds.toFixed(1)} s)` : ' (reused)'}; screenshots in ${shots}`);
    timings.setup = (Date.now() - t0) / 1000;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    console.log(`# explorer e2e timings (s): ${JSON.stringify(timings)}; screenshots in ${shots}`);
  });

  test('overview shows the model, the layer catalogue, the dataset and links to analyses', async () => {
    await go('#/', 'overview');
    assert.match(await page.title(), /Overview/);
    assert.equal(await page.getByTestId('model-file').innerText(), 'emoji-resnet.onnx');
    const overview = await api<OverviewResponse>('/api/overview');
    assert.equal(await page.getByTestId('layer-link').count(), overview.layers.length);
    assert.match(await page.getByTestId('dataset').innerText(), new RegExp(`${overview.dataset.count} images`));
    assert.ok((await page.getByTestId('concepts-link').count()) >= 1, 'a link into the concept trees');
    assert.equal(await page.getByTestId('circuits-link').count(), 1);
    await shot('overview');
  });

  test('layer list is virtualised and sortable', async () => {
    await go('#/layer/layer4.1', 'neuron-card');
    await page.getByTestId('view-list').click(); // the grid is the default view (layer-grid.test.ts)
    await page.getByTestId('neuron-row').first().waitFor();
    assert.match(await page.getByTestId('neuron-total').innerText(), /^192 neurons$/);
    const rendered = await page.getByTestId('neuron-row').count();
    assert.ok(rendered > 5 && rendered < 192, `only the visible rows are in the DOM (${rendered})`);
    await page.getByTestId('neuron-sort').selectOption('index');
    await page.getByTestId('neuron-row').filter({ hasText: /^#0$/ }).waitFor();
    await page.getByTestId('neuron-list').evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.getByTestId('neuron-row').filter({ hasText: /^#191$/ }).waitFor();
    await shot('layer');
  });

  test('neuron page: exemplars load, histogram and activation rate render', async () => {
    await go('#/neuron/layer4.1/3', 'neuron');
    assert.match(await page.title(), /Neuron layer4\.1 #3/);
    const widths = await loadedImageWidths(page, '[data-testid="exemplar-img"]');
    assert.ok(widths.length >= 5, `exemplar images shown (${widths.length})`);
    assert.ok(widths.every((px) => px > 0), `every exemplar image loaded (${widths})`);
    assert.match(await page.getByTestId('activation-rate').innerText(), /^\d+\.\d %$/);
    // The label line carries its evidence: enrichment q and overlap, a dissection score, or "unlabelled".
    const label = page.getByTestId('neuron-label');
    if ((await label.count()) > 0) assert.match(await label.innerText(), /^(unlabelled \(no concept significantly enriched|.+ \((enrichment: \d+ of \d+ top images .* q |network dissection|caption label))/);
    await page.locator('[data-testid="histogram"] svg path, [data-testid="histogram"] svg rect').first().waitFor();
    const bars = await page.locator('[data-testid="histogram"] svg .mark-rect path').count();
    assert.ok(bars >= 10, `histogram bars drawn (${bars})`);
    await shot('neuron');
  });

  test('concept tree (≥ 2 levels, captions) → difference neuron → its circuit', async () => {
    await go('#/concepts/layer4.1', 'concept-node');
    const levels = new Set(await page.getByTestId('concept-node').evaluateAll((els: { dataset: { level?: string } }[]) => els.map((e) => e.dataset.level)));
    assert.ok(levels.size >= 2, `tree shows ≥ 2 levels (${[...levels]})`);
    const captions = await page.getByTestId('concept-caption').allInnerTexts();
    assert.ok(captions.length >= 2 && captions.every((c) => c.trim().length > 0), 'captions are non-empty');
    const thumbs = await loadedImageWidths(page, '[data-testid="concept-thumb"]');
    assert.ok(thumbs.length > 0 && thumbs.slice(0, 6).every((px) => px > 0), 'example thumbnails load');

    // Caption search narrows the tree to matches and their ancestors.
    await page.getByTestId('concept-search').fill('flag');
    await page.getByTestId('concept-count').filter({ hasText: /matching clusters/ }).waitFor();
    assert.ok((await page.locator('mark').count()) >= 1, 'matches are highlighted');
    await shot('concepts-search');
    await page.getByTestId('concept-search').fill('');

    // Find a neuron that is both a difference neuron of a cluster and in a circuit, then walk
    // tree → neuron → circuit by clicking.
    const circuits = await api<CircuitsResponse>('/api/circuits');
    const members = new Map<string, { name: string }>();
    for (const q of circuits.queries) {
      const c = await api<CircuitResponse>(`/api/circuits/${q.name}`);
      for (const s of c.sankey) for (const n of s.nodes) members.set(`${n.layer}#${n.channel}`, { name: q.name });
    }
    let target: { layer: string; cluster: string; channel: number } | undefined;
    const overview = await api<OverviewResponse>('/api/overview');
    for (const { layer } of overview.analyses.concepts) {
      const concepts = await api<ConceptsResponse>(`/api/concepts/${layer}`);
      const cluster = concepts.clusters.find((c) => c.differenceNeurons.some((n) => members.has(`${layer}#${n}`)));
      if (cluster) {
        target = { layer, cluster: cluster.id, channel: cluster.differenceNeurons.find((n) => members.has(`${layer}#${n}`))! };
        break;
      }
    }
    assert.ok(target, 'the demo run has a difference neuron that is part of a circuit');
    await go(`#/concepts/${target.layer}/${encodeURIComponent(target.cluster)}`, 'concept-node');
    const node = page.locator(`[data-testid="concept-node"][data-id="${target.cluster}"]`);
    await node.getByTestId('difference-neuron').filter({ hasText: new RegExp(`^#${target.channel}$`) }).first().click();
    await page.getByTestId('neuron').waitFor();
    assert.match(await page.title(), new RegExp(`Neuron ${target.layer.replace('.', '\\.')} #${target.channel}\\b`));
    await page.getByTestId('neuron-circuit-link').first().click();
    await page.getByTestId('sankey').waitFor();
    assert.match(page.url(), /#\/circuit\//);
    assert.ok((await page.getByTestId('sankey-link').count()) >= 1, 'the circuit reached by clicking has links');
    await shot('tree-neuron-circuit');
  });

  test('circuits list and a circuit: Sankey, query regions, switching circuits, diagnosis', async () => {
    await go('#/circuits', 'circuit-queries');
    const queries = await page.getByTestId('circuit-link').count();
    assert.ok(queries >= 1);
    assert.ok((await page.getByTestId('eval-summary').count()) === 1, 'the ablation summary is shown');
    await shot('circuits');

    const list = await api<CircuitsResponse>('/api/circuits');
    const busiest = [...list.queries].sort((a, b) => b.edges - a.edges)[0]!;
    await page.getByTestId('circuit-link').filter({ hasText: new RegExp(`^${busiest.name}$`) }).click();
    await page.getByTestId('sankey').waitFor();
    assert.ok((await page.getByTestId('sankey-link').count()) >= 1, 'Sankey has ≥ 1 link');
    assert.ok((await page.getByTestId('sankey-node').count()) >= 2, 'Sankey has ≥ 2 nodes');
    const query = await loadedImageWidths(page, '[data-testid="query-img"]');
    assert.ok(query.length === 1 && query[0]! > 0, 'the query image loaded');
    assert.ok((await page.getByTestId('region-box').count()) >= 1, 'root regions are drawn on the query');
    const options = await page.getByTestId('circuit-select').locator('option').allInnerTexts();
    if (options.length > 1) {
      const before = page.url();
      const second = await page.getByTestId('circuit-select').locator('option').nth(1).getAttribute('value');
      await page.getByTestId('circuit-select').selectOption(second!);
      await page.waitForURL((u) => u.href !== before);
      assert.ok(decodeURIComponent(page.url()).endsWith(second!), 'switching circuits updates the URL');
      await page.getByTestId('sankey-link').first().waitFor({ state: 'attached' }); // a straight ribbon's path has an empty bounding box
    }
    await shot('circuit');
    // The selected circuit's own check against random neurons, and its neurons: a CNN's feature
    // maps are not under the support gate, so no neuron carries a support drop.
    await page.getByTestId('circuit-faithfulness').waitFor();
    assert.equal((await page.getByTestId('verdict-pass').count()) + (await page.getByTestId('verdict-fail').count()) >= 1, true, 'the circuit shows its verdict');
    const gates = await page.getByTestId('neuron-gate').allInnerTexts();
    assert.ok(gates.length >= 2 && gates.every((g) => g === 'off'), `CNN layers are not gated: ${gates}`);

    const diagnosed = list.queries.find((q) => q.diagnosis);
    if (diagnosed) {
      await go(`#/circuit/${diagnosed.name}`, 'diagnosis');
      assert.ok((await page.getByTestId('diagnosis').locator('tbody tr').count()) >= 1);
      if (diagnosed.eval) await page.getByTestId('query-eval').waitFor();
      await shot('circuit-diagnosis');
    }
  });

  test('a ViT circuit: gated neurons show the support that admitted them; the circuit its verdict', async () => {
    const vit = await startServer({ run: join(runsDir, 'emoji-vit'), port: 0, webDir });
    try {
      const list = (await (await page.request.get(new URL('api/circuits', vit.url).href)).json()) as CircuitsResponse;
      const busiest = [...list.queries].sort((a, b) => b.edges - a.edges)[0];
      assert.ok(busiest && busiest.circuits > 0, 'the demo ViT has a query with circuits');
      await page.goto(`${vit.url}#/circuit/${busiest.name}`);
      await page.getByTestId('circuit-neurons').waitFor();
      assert.match(await page.getByTestId('support-gate').innerText(), /Support gate \(tokens\) on .+: \d+ of \d+ tested neurons lower the predicted logit/);
      const gates = await page.getByTestId('neuron-gate').allInnerTexts();
      const supports = await page.getByTestId('neuron-support').allInnerTexts();
      assert.ok(gates.length >= 2 && gates.every((g) => g === 'on'), `every default ViT layer is gated: ${gates}`);
      assert.ok(supports.every((s) => Number(s) > 0), `gated neurons lower the logit when zeroed alone: ${supports}`);
      await page.getByTestId('circuit-faithfulness').waitFor();
      assert.equal((await page.getByTestId('verdict-pass').count()) + (await page.getByTestId('verdict-fail').count()) >= 1, true);
      // Where a ratio is withheld, the page says why.
      if ((await page.getByTestId('ratio-na').count()) > 0) assert.ok((await page.getByTestId('ratio-na-reason').count()) >= 1);
      await shot('circuit-vit');
    } finally {
      await vit.close();
    }
  });

  test('attribution page (when the demo run has attribution)', async (t) => {
    const overview = await api<OverviewResponse>('/api/overview');
    await go('#/attribution', overview.analyses.attribution.length === 0 ? 'no-attribution' : 'attribution-runs');
    if (overview.analyses.attribution.length === 0) {
      t.skip('the demo run has no attribution/ folder yet; only the empty state was checked');
      return;
    }
    await page.getByTestId('attribution-run-link').first().click();
    await page.getByTestId('attribution').waitFor();
    const overlays = await loadedImageWidths(page, '[data-testid="overlay-img"]');
    assert.ok(overlays.length >= 1 && overlays.every((px) => px > 0), `overlay images load (${overlays})`);
    await shot('attribution');
  });

  test('images list (search) and an image page', async () => {
    await go('#/images', 'image-row');
    assert.match(await page.getByTestId('image-total').innerText(), /^300 images$/);
    await page.getByTestId('image-search').fill('country-flag');
    await page.getByTestId('image-total').filter({ hasNotText: /^300 images$/ }).waitFor();
    const filtered = Number(/^(\d+)/.exec(await page.getByTestId('image-total').innerText())?.[1]);
    assert.ok(filtered > 0 && filtered < 300, `search narrows the list (${filtered})`);
    await shot('images');
    await page.getByTestId('image-row').first().click();
    await page.getByTestId('image-page').waitFor();
    assert.ok((await page.getByTestId('predictions').locator('tbody tr').count()) >= 1);
    assert.ok((await page.getByTestId('strong-neuron').count()) >= 5, 'strongest neurons link to neuron pages');
    assert.ok((await page.getByTestId('concept-paths').locator('li').count()) >= 1, 'the image has concept paths');
    const main = await loadedImageWidths(page, '[data-testid="image-main"]');
    assert.ok(main[0]! > 0);
    await shot('image');
  });

  test('unknown routes and API errors show an error banner, not a blank page', async () => {
    const seen = w.errors.length;
    await page.goto(`${base}#/nowhere/at/all/really`);
    await page.getByTestId('error-banner').waitFor();
    await page.goto(`${base}#/neuron/layer4.1/99999`);
    await page.getByTestId('error-banner').waitFor();
    assert.match(await page.getByTestId('error-banner').innerText(), /99999|not found|out of range/i);
    w.errors.splice(seen); // the browser logs that API request's 404: expected here
  });

  test('path traversal through the HTTP routes is refused (403/404)', async () => {
    const attempts = [
      'files/..%2Fmanifest.json',
      'files/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      'files/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      'files/activations',
      'files//etc/passwd',
      'assets/..%2F..%2F..%2Fpackage.json',
      'assets/%2e%2e/%2e%2e/package.json',
      'thumb/..%2Fmanifest.json',
      'thumb/-1',
      'api/concepts/..%2F..%2Fmanifest',
      'api/circuits/..%2Fmanifest',
      'api/attribution/..%2F..',
      'api/neuron/..%2F..%2Fmanifest/0',
    ];
    const appHtml = await (await page.request.get(base)).text();
    for (const path of attempts) {
      const response = await page.request.get(`${base}${path}`);
      const body = await response.text();
      // URL parsers fold %2e%2e segments before sending; what reaches the server is then an app
      // route and gets the app's index.html, which is no leak.
      const folded = response.status() === 200 && body === appHtml;
      assert.ok([400, 403, 404].includes(response.status()) || folded, `${path}: got ${response.status()}`);
      assert.ok(!body.includes('root:') && !body.includes('"fingerprint"') && !body.includes('"dependencies"'), `${path} leaked a file`);
    }
    // A legitimate file is served.
    assert.equal((await page.request.get(`${base}files/manifest.json`)).status(), 200);
  });

  test('no console errors on any page visited', () => {
    assert.deepEqual(w.errors, []);
  });

  test('static export (report) renders from file:// without a server', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'neurolens-e2e-report-')), 'report');
    const t0 = Date.now();
    await exportReport({ run: runDir, out, webDir });
    timings.export = (Date.now() - t0) / 1000;
    const fileBase = pathToFileURL(join(out, 'index.html')).href;
    const s = await openPage(browser);
    try {
      await s.page.goto(`${fileBase}#/`);
      await s.page.getByTestId('overview').waitFor();
      assert.equal(await s.page.getByTestId('model-file').innerText(), 'emoji-resnet.onnx');
      await s.page.screenshot({ path: join(shots, 'static-overview.png'), fullPage: true });

      await s.page.goto(`${fileBase}#/neuron/layer4.1/3`);
      await s.page.getByTestId('neuron').waitFor();
      const widths = await loadedImageWidths(s.page, '[data-testid="exemplar-img"]');
      assert.ok(widths.length >= 5 && widths.every((px) => px > 0), `exemplars load from disk (${widths})`);
      await s.page.locator('[data-testid="histogram"] svg').first().waitFor();
      await s.page.screenshot({ path: join(shots, 'static-neuron.png'), fullPage: true });

      await s.page.goto(`${fileBase}#/layer/layer4.1`);
      await s.page.getByTestId('neuron-card').first().waitFor();
      assert.ok((await loadedImageWidths(s.page, '[data-testid="card-exemplar"]')).every((px) => px > 0), 'grid thumbnails load from disk');
      await s.page.goto(`${fileBase}#/concepts/layer4.1`);
      await s.page.getByTestId('concept-node').first().waitFor();
      await s.page.goto(`${fileBase}#/circuits`);
      await s.page.getByTestId('circuit-link').first().click();
      await s.page.getByTestId('sankey-link').first().waitFor({ state: 'attached' }); // a straight ribbon's path has an empty bounding box
      await s.page.screenshot({ path: join(shots, 'static-circuit.png'), fullPage: true });
      assert.equal(await s.page.getByTestId('error-banner').count(), 0);
      assert.deepEqual(s.errors, []);
    } finally {
      await s.page.close();
    }
  });
});
