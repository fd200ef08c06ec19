// End-to-end test of live interventions: the demo run served by the real server, the image page
// opened in headless Chromium with an intervention in its URL, the model run there by
// onnxruntime-web — and its top-5 checked against the same intervention run in Node by the circuits
// Ablator (onnxruntime-node). Needs a local chromium (see setup.ts); skipped with a message otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import type { CircuitResponse, CircuitsResponse, ImageResponse } from '../../src/server/api.js';
import { interventionQuery, parseIntervention, type InterventionTerm } from '../../src/server/intervention-url.js';
import { openRunAblation, type RunAblation } from '../../src/maps/ablate.js';
import { topPredictions, type Prediction } from '../../src/record/predictions.js';
import { buildApp, demoRuns, findChromium, openPage, type Watched } from './setup.js';

const chromiumFound = findChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

const IMAGE = 3;

describe('live interventions (e2e, chromium)', { skip, timeout: 600_000 }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let ablation: RunAblation;
  /** The ViT run: token layers ([N,T,D] masks). */
  let vit: { server: ExplorerServer; ablation: RunAblation };
  let w: Watched;
  let page: Page;

  before(async () => {
    const [demo, app] = await Promise.all([demoRuns(), buildApp()]);
    const runDir = join(demo.runs, 'emoji-resnet');
    server = await startServer({ run: runDir, port: 0, webDir: app.dir });
    ablation = await openRunAblation(runDir, { threads: 1 });
    const vitDir = join(demo.runs, 'emoji-vit');
    vit = { server: await startServer({ run: vitDir, port: 0, webDir: app.dir }), ablation: await openRunAblation(vitDir, { threads: 1 }) };
    browser = await chromium.launch({ executablePath: (chromiumFound as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
    w = await openPage(browser);
    page = w.page;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await ablation?.close();
    await vit?.server.close();
    await vit?.ablation.close();
  });

  /** The page's top-5 (class, probability) once the browser has run the model. */
  async function browserTop5(hash: string, iv = '', at = server): Promise<{ classes: number[]; scores: number[] }> {
    await page.goto(`${at.url}${hash}`);
    // The table of THIS intervention (a hash change keeps the document: the last one may linger).
    await page.locator(`[data-testid="live-top5"][data-iv="${iv}"]`).waitFor({ timeout: 120_000 });
    const rows = await page.getByTestId('live-row').evaluateAll((els: { dataset: { class?: string; prob?: string } }[]) => els.map((e) => [Number(e.dataset.class), Number(e.dataset.prob)]));
    return { classes: rows.map((r) => r[0]!), scores: rows.map((r) => r[1]!) };
  }

  /** The Node runtime's top-5 for the same terms (one factor per term, as the URL holds). */
  async function nodeTop5(terms: readonly InterventionTerm[], index = IMAGE, run = ablation): Promise<Prediction> {
    const image = await run.loadImage({ index });
    assert.ok(new Set(terms.map((t) => t.factor)).size <= 1, 'one factor per Ablator row');
    const neurons = terms.flatMap((t) => t.channels.map((channel) => ({ layer: t.layer, channel })));
    const [logits] = await run.ablator.run(image, [{ neurons, factor: terms[0]?.factor ?? 1 }]);
    return topPredictions(logits!, 5);
  }

  function assertSame(got: { classes: number[]; scores: number[] }, want: Prediction, what: string): void {
    assert.deepEqual(got.classes, want.classes, `${what}: same top-5 order`);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(got.scores[i]! - want.scores[i]!) <= 1e-4, `${what}: class ${got.classes[i]} ${got.scores[i]} vs Node ${want.scores[i]}`);
  }

  test('no intervention: the browser reproduces the run’s recorded predictions', async () => {
    const got = await browserTop5(`#/image/${IMAGE}`);
    const recorded = (await (await page.request.get(`${server.url}api/image/${IMAGE}`)).json()) as ImageResponse;
    assert.deepEqual(got.classes, recorded.predictions.map((p) => p.class));
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(got.scores[i]! - recorded.predictions[i]!.score) <= 1e-4, `class ${got.classes[i]}: ${got.scores[i]} vs recorded ${recorded.predictions[i]!.score}`);
    assertSame(got, await nodeTop5([]), 'unmodified');
    assert.deepEqual(w.errors, []);
  });

  test('an intervention URL (zero the image’s strongest neurons of two layers) gives the Node runtime’s top-5', async () => {
    const detail = (await (await page.request.get(`${server.url}api/image/${IMAGE}`)).json()) as ImageResponse;
    const layers = detail.strongest.filter((s) => s.layer === 'layer3.1' || s.layer === 'layer4.1');
    assert.equal(layers.length, 2, 'the demo run records layer3.1 and layer4.1');
    const terms: InterventionTerm[] = layers.map((s) => ({ layer: s.layer, channels: s.neurons.map((n) => n.channel).sort((a, b) => a - b), factor: 0 }));
    const want = await nodeTop5(terms);
    const unmodified = await nodeTop5([]);
    assert.ok(Math.abs(want.scores[0]! - unmodified.scores[0]!) > 1e-3 || want.classes[0] !== unmodified.classes[0], 'the intervention changes the prediction (else this test could not fail)');
    const query = interventionQuery(terms);
    const got = await browserTop5(`#/image/${IMAGE}${query}`, new URLSearchParams(query.slice(1)).get('iv')!);
    assertSame(got, want, 'zeroed');
    console.log(`# live e2e: ${await page.getByTestId('live-status').innerText()}; top-1 ${unmodified.classes[0]} (${unmodified.scores[0]!.toFixed(4)}) → ${want.classes[0]} (${want.scores[0]!.toFixed(4)})`);
    assert.match(await page.getByTestId('iv-current').innerText(), /^layer3\.1:.*;layer4\.1:/);
    assert.deepEqual(w.errors, []);
  });

  test('scaling (factor 2) typed in the editor updates the URL and matches Node', async () => {
    const terms: InterventionTerm[] = [{ layer: 'layer4.1', channels: [0, 1, 2, 3, 4, 5, 6, 7], factor: 2 }];
    await browserTop5(`#/image/${IMAGE}`);
    await page.getByTestId('iv-input').fill('layer4.1:0-7*2');
    await page.getByTestId('iv-apply').click();
    await page.getByTestId('iv-current').waitFor({ timeout: 120_000 });
    assert.ok(page.url().endsWith(`#/image/${IMAGE}?iv=layer4.1:0-7*2`), page.url());
    const rows = await page.getByTestId('live-row').evaluateAll((els: { dataset: { class?: string; prob?: string } }[]) => els.map((e) => [Number(e.dataset.class), Number(e.dataset.prob)]));
    assertSame({ classes: rows.map((r) => r[0]!), scores: rows.map((r) => r[1]!) }, await nodeTop5(terms), 'scaled');
    assert.deepEqual(w.errors, []);
  });

  test('a preset button (the strongest neurons of a layer, factor chosen) writes its intervention into the URL', async () => {
    const detail = (await (await page.request.get(`${server.url}api/image/${IMAGE}`)).json()) as ImageResponse;
    const strongest = detail.strongest.find((s) => s.layer === 'layer4.1')!;
    const channels = strongest.neurons.map((n) => n.channel).sort((a, b) => a - b);
    await browserTop5(`#/image/${IMAGE}`);
    assert.ok((await page.getByTestId('iv-presets').locator('button').count()) >= detail.strongest.length);
    await page.getByLabel('preset factor').selectOption('0.5');
    await page.getByTestId('iv-presets').getByRole('button', { name: 'strongest: top 5 of layer4.1' }).click();
    const iv = `layer4.1:${channels.join(',')}*0.5`;
    await page.locator(`[data-testid="live-top5"][data-iv="${iv}"]`).waitFor({ timeout: 120_000 });
    assert.ok(page.url().endsWith(`?iv=${iv}`), page.url());
    const rows = await page.getByTestId('live-row').evaluateAll((els: { dataset: { class?: string; prob?: string } }[]) => els.map((e) => [Number(e.dataset.class), Number(e.dataset.prob)]));
    assertSame({ classes: rows.map((r) => r[0]!), scores: rows.map((r) => r[1]!) }, await nodeTop5([{ layer: 'layer4.1', channels, factor: 0.5 }]), 'preset');
    assert.deepEqual(w.errors, []);
  });

  test('a circuit preset zeroes the circuit’s neurons across its layers, as the Node Ablator does', async () => {
    const circuits = (await (await page.request.get(`${server.url}api/circuits`)).json()) as CircuitsResponse;
    const query = circuits.queries.find((q) => q.query.index !== undefined && q.circuits > 0);
    assert.ok(query, 'the demo run has a circuit query');
    const detail = (await (await page.request.get(`${server.url}api/circuits/${encodeURIComponent(query.name)}`)).json()) as CircuitResponse;
    const circuit = detail.result.circuits[0]!;
    const index = query.query.index!;
    await browserTop5(`#/image/${index}`);
    await page.getByTestId('iv-presets').getByRole('button', { name: `circuit: ${query.name} · ${circuit.id} (${circuit.nodes.length})` }).click();
    await page.getByTestId('iv-current').waitFor({ timeout: 120_000 });
    const iv = await page.getByTestId('iv-current').innerText();
    const terms = parseIntervention(iv);
    assert.ok(terms.ok);
    const neurons = terms.terms.flatMap((t) => t.channels.map((c) => `${t.layer}#${c}`)).sort();
    assert.deepEqual(neurons, [...new Set(circuit.nodes.map((n) => `${n.layer}#${n.channel}`))].sort());
    const rows = await page.getByTestId('live-row').evaluateAll((els: { dataset: { class?: string; prob?: string } }[]) => els.map((e) => [Number(e.dataset.class), Number(e.dataset.prob)]));
    assertSame({ classes: rows.map((r) => r[0]!), scores: rows.map((r) => r[1]!) }, await nodeTop5(terms.terms, index), 'circuit');
    assert.deepEqual(w.errors, []);
  });

  test('ViT (token layers): an intervention URL gives the Node runtime’s top-5', async () => {
    const detail = (await (await page.request.get(`${vit.server.url}api/image/${IMAGE}`)).json()) as ImageResponse;
    const terms: InterventionTerm[] = detail.strongest.slice(-2).map((s) => ({ layer: s.layer, channels: s.neurons.map((n) => n.channel).sort((a, b) => a - b), factor: 0 }));
    assert.equal(terms.length, 2);
    const unmodified = await browserTop5(`#/image/${IMAGE}`, '', vit.server);
    assertSame(unmodified, await nodeTop5([], IMAGE, vit.ablation), 'ViT unmodified');
    const query = interventionQuery(terms);
    const got = await browserTop5(`#/image/${IMAGE}${query}`, new URLSearchParams(query.slice(1)).get('iv')!, vit.server);
    const want = await nodeTop5(terms, IMAGE, vit.ablation);
    assert.ok(Math.abs(want.scores[0]! - unmodified.scores[0]!) > 1e-4 || want.classes[0] !== unmodified.classes[0], 'the intervention changes the prediction');
    assertSame(got, want, 'ViT zeroed');
    console.log(`# live e2e (ViT): ${await page.getByTestId('live-status').innerText()}`);
    assert.deepEqual(w.errors, []);
  });

  test('a malformed or unknown intervention shows one line saying how to write it', async () => {
    await page.goto(`${server.url}#/image/${IMAGE}?iv=nolayer:3`);
    await page.getByTestId('error-banner').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('error-banner').innerText(), /layer "nolayer", which this run did not record; use one of/);
    await page.goto(`${server.url}#/image/${IMAGE}?iv=layer4.1:x`);
    await page.getByTestId('error-banner').filter({ hasText: 'malformed' }).waitFor({ timeout: 60_000 });
  });
});
