// The evaluation end to end on a model whose class-0 logit depends only on a known image region
// (channel 0 of the top-left 8×8 quadrant): a map high on the region beats random maps, which beat
// the reversed map; occlusion maps do too; cascading randomisation decorrelates the maps; the JSON
// is byte-identical across runs; bad inputs give one-line errors naming the argument.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { createAttributor } from '../../src/attribution/attributor.js';
import { registerMethod, type AttributionMethodSpec } from '../../src/attribution/index.js';
import type { AttributionMethod } from '../../src/attribution/types.js';
import { chartSpec } from '../../src/attribution/eval/chart.js';
import { CHART_SOURCES, chartRows } from '../../src/attribution/eval/chart-rows.js';
import { gridsText } from '../../src/attribution/eval/checks.js';
import { CurveEvaluator } from '../../src/attribution/eval/evaluate.js';
import { unitGrid } from '../../src/attribution/eval/order.js';
import { evaluateAttributions, loadAttributorModel } from '../../src/attribution/eval/pipeline.js';
import { randomMap } from '../../src/attribution/eval/random-maps.js';
import { smoothMapSeed, smoothRandomMap } from '../../src/attribution/eval/smooth-random.js';
import type { CurveKind, EvalAttributionsOptions, EvalResult } from '../../src/attribution/eval/types.js';
import { fillBaseline } from '../../src/attribution/fill.js';
import { runAttribution } from '../../src/attribution/pipeline.js';
import { isNeurolensError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Random } from '../../src/util/random.js';
import { assertFormat } from '../helpers/schema.js';

const SIZE = 16;
const REGION = 8; // top-left REGION×REGION pixels
const inRegion = (p: number) => Math.floor(p / SIZE) < REGION && p % SIZE < REGION;

/** input → Conv 1×1 (identity) → Flatten → Gemm: class 0 = +w·Σ region channel 0, class 1 = −that. */
function regionModel(): Uint8Array {
  const g = new GraphBuilder({ name: 'region' });
  const x = g.input('input', ['batch', 3, SIZE, SIZE]);
  const eye = new Float32Array(9);
  for (let c = 0; c < 3; c++) eye[c * 3 + c] = 1;
  const conv = g.node('Conv', [x, g.initializer('conv.weight', eye, [3, 3, 1, 1]), g.initializer('conv.bias', new Float32Array(3), [3])], { kernel_shape: [1, 1] }, { name: '/conv/Conv' });
  const flat = g.node('Flatten', [conv], { axis: 1 }, { name: '/Flatten' });
  const n = 3 * SIZE * SIZE;
  const w = new Float32Array(2 * n);
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!inRegion(p)) continue;
    w[p] = 0.01; // class 0, channel 0 (NCHW flatten: channel-major)
    w[n + p] = -0.01;
  }
  const logits = g.node('Gemm', [flat, g.initializer('fc.weight', w, [2, n]), g.initializer('fc.bias', new Float32Array(2), [2])], { transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(logits, ['batch', 2]);
  return encodeModel(g.build());
}

let dir: string;
let model: string;
let images: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurolens-attr-eval-'));
  model = join(dir, 'region.onnx');
  writeFileSync(model, regionModel());
  images = join(dir, 'images');
  mkdirSync(images);
  const rng = new Random(11);
  for (let i = 0; i < 4; i++) {
    const pixels = Buffer.alloc(SIZE * SIZE * 3);
    for (let p = 0; p < SIZE * SIZE; p++) {
      // The region is red with a gradient (so the ranking inside it is not flat), the rest is noise.
      const red = inRegion(p) ? 150 + 10 * (p % SIZE) + rng.int(20) : rng.int(120);
      pixels[p * 3] = red;
      pixels[p * 3 + 1] = rng.int(200);
      pixels[p * 3 + 2] = rng.int(200);
    }
    await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(join(images, `img${i}.png`));
  }
});

const base = (out: string): EvalAttributionsOptions => ({ model, images, methods: ['occlusion'], out: join(dir, out), steps: 8, unit: 2, threads: 1, methodOptions: { window: 4, stride: 2 } });

test('a map high on the region: MoRF AUC < random-map AUC < LeRF AUC (real model scores)', async () => {
  const { model: m } = await loadAttributorModel(model);
  const attributor = await createAttributor(m, { threads: 1 });
  try {
    const image = await attributor.loadImage(join(images, 'img0.png'));
    const bound = await attributor.bind(image, { kind: 'pred' }, 'probability');
    assert.equal(bound.cls, 0);
    const geometry = { channels: 3, height: SIZE, width: SIZE, layout: 'NCHW' as const };
    const evaluator = new CurveEvaluator(geometry, unitGrid(SIZE, SIZE, 2), 16, ['morf', 'lerf'], { flip: 'mean', deletion: 'zero', insertion: 'blur' }, (im, k) => fillBaseline(im, geometry, k));
    const good = Float32Array.from({ length: SIZE * SIZE }, (_, p) => (inRegion(p) ? 1 + (p % SIZE) : 0));
    const randoms = Array.from({ length: 8 }, (_, r) => randomMap(SIZE * SIZE, 100 + r));
    const result = await evaluator.evaluate(image, bound, [good, ...randoms]);
    const auc = (i: number, k: 'morf' | 'lerf') => result.maps[i]!.areas[k]!.auc;
    const randomMorf = randoms.reduce((s, _, r) => s + auc(r + 1, 'morf'), 0) / randoms.length;
    assert.ok(auc(0, 'morf') < randomMorf - 0.05, `MoRF ${auc(0, 'morf')} vs random ${randomMorf}`);
    assert.ok(randomMorf < auc(0, 'lerf') - 0.05, `random ${randomMorf} vs LeRF ${auc(0, 'lerf')}`);
    // LeRF leaves the region to the last quarter: the score stays at the clean value until then.
    const lerf = result.maps[0]!.curves.lerf!;
    assert.ok(lerf.y.slice(0, 12).every((y) => Math.abs(y - 1) < 1e-3), `LeRF ${lerf.y}`);
    assert.equal(result.normalisation.morf!.rule, 'ratio');
    assert.equal(result.maps[0]!.curves.morf!.y[0], 1);
  } finally {
    await attributor.close();
  }
});

test('evaluateAttributions: occlusion beats random, sanity decorrelates, JSON byte-identical', async () => {
  const progress: string[] = [];
  const options: EvalAttributionsOptions = { ...base('a'), sanity: true, randomMaps: 2 };
  const first = await evaluateAttributions(options, { onProgress: (p) => progress.push(`${p.phase} ${p.done}/${p.total}`) });
  const r: EvalResult = first.result;
  assert.equal(r.images.length, 4);
  assert.deepEqual(r.methods, ['occlusion']);
  const a = r.aggregate.occlusion!;
  assert.ok(a.auc.morf!.mean < a.random!.morf!.mean, `MoRF ${a.auc.morf!.mean} vs random ${a.random!.morf!.mean}`);
  assert.ok(a.random!.lerf!.mean < a.auc.lerf!.mean, `random ${a.random!.lerf!.mean} vs LeRF ${a.auc.lerf!.mean}`);
  assert.ok(a.auc.deletion!.mean < a.random!.deletion!.mean);
  assert.ok(a.auc.insertion!.mean > a.random!.insertion!.mean);
  assert.ok(a.abpc!.mean > 0.2, `ABPC ${a.abpc!.mean}`);
  assert.equal(a.abpc!.n, 4);
  const img = r.images[0]!;
  assert.equal(img.cls, 0);
  const e = img.methods.occlusion!;
  assert.ok(Math.abs(e.abpc! - (e.areas.lerf!.auc - e.areas.morf!.auc)) < 1e-5);
  assert.deepEqual(e.curves.morf!.x, [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
  assert.equal(e.curves.morf!.y.length, 9);
  assert.deepEqual(Object.keys(e.curves), ['morf', 'lerf', 'deletion', 'insertion']);
  // Sanity: two parameterised layers (Gemm, then Conv), both steps decorrelate the maps.
  const sanity = a.sanity!;
  assert.deepEqual(sanity.map((s) => s.step), [1, 2]);
  assert.deepEqual(sanity[1]!.layers, ['/fc/Gemm', '/conv/Conv']);
  for (const s of sanity) assert.ok(s.spearman.mean < 0.5, `step ${s.step}: ρ ${s.spearman.mean}`);
  assert.equal(e.sanity!.length, 2);
  // Protocol states the choices.
  assert.equal(r.protocol.steps, 8);
  assert.equal(r.protocol.unit, 2);
  assert.deepEqual(r.protocol.baselines, { morf: 'mean', lerf: 'mean', deletion: 'zero', insertion: 'blur' });
  assert.equal(r.protocol.quantity, 'probability');
  assert.ok(progress.includes('attribute eval 4/4') && progress.includes('sanity 8/8'), progress.join(', '));
  // Files: eval.json, eval.md, one PNG per method.
  assert.deepEqual(first.files.map((f) => f.slice(options.out.length + 1)), ['eval.json', 'eval.md', 'curves.occlusion.png']);
  assert.deepEqual([...readFileSync(first.files[2]!).subarray(1, 4)], [...Buffer.from('PNG')]);
  const stored = JSON.parse(readFileSync(first.files[0]!, 'utf8')) as EvalResult;
  assert.deepEqual(Object.keys(stored).slice(0, 2), ['format', 'formatVersion']);
  assert.deepEqual([stored.format, stored.formatVersion], ['neurolens-attribution-eval', 1]);
  assertFormat('neurolens-attribution-eval', stored);
  assert.match(readFileSync(first.files[1]!, 'utf8'), /\| occlusion \| /);
  // Same inputs → same bytes.
  const second = await evaluateAttributions({ ...options, out: join(dir, 'b'), noCharts: true });
  assert.equal(readFileSync(second.files[0]!, 'utf8'), readFileSync(first.files[0]!, 'utf8'));
});

/** Test methods: a horizontal ramp (the smoothest map: the coarsest grid) and seeded noise (the finest). */
const fixedMap = (name: string, value: (p: number, width: number, rng: Random) => number): AttributionMethodSpec => ({
  name,
  summary: `a test method: ${name}`,
  options: [],
  async attribute(run) {
    const { height, width } = run.shape;
    const rng = new Random(7);
    return { map: { data: Float32Array.from({ length: height * width }, (_, p) => value(p, width, rng)), height, width }, passes: 0 };
  },
});

test('smooth random mean curves: the mean of every image\'s smooth random maps on its own grid (recomputed here), drawn dotted', async () => {
  registerMethod(fixedMap('test-ramp', (p, width) => p % width));
  registerMethod(fixedMap('test-noise', (_, __, rng) => rng.next()));
  const R = 2;
  const methods = ['test-noise', 'test-ramp'] as AttributionMethod[];
  const { result } = await evaluateAttributions({ ...base('smooth'), methods, randomMaps: R, limit: 2, noCharts: true });
  // The two methods' maps are matched to different grids, so each aggregate must use its own.
  const gridsOf = (method: AttributionMethod) => result.images.map((img) => img.methods[method]!.smoothRandom!.grid);
  assert.deepEqual(gridsOf(methods[1]!), [2, 2]);
  assert.deepEqual(gridsOf(methods[0]!), [8, 8]);
  // Recompute each image's smooth random maps on the grid its map was matched to, and their curves.
  const { model: m } = await loadAttributorModel(model);
  const attributor = await createAttributor(m, { threads: 1 });
  const geometry = { channels: 3, height: SIZE, width: SIZE, layout: 'NCHW' as const };
  const evaluator = new CurveEvaluator(geometry, unitGrid(SIZE, SIZE, 2), 8, ['morf', 'deletion', 'insertion'], { flip: 'mean', deletion: 'zero', insertion: 'blur' }, (im, k) => fillBaseline(im, geometry, k));
  const ys = new Map(methods.map((method) => [method, {} as Partial<Record<CurveKind, number[][]>>]));
  try {
    for (const [i, img] of result.images.entries()) {
      const image = await attributor.loadImage(join(images, img.image));
      const bound = await attributor.bind(image, { kind: 'class', cls: img.cls! }, 'probability');
      for (const method of methods) {
        const k = img.methods[method]!.smoothRandom!.grid;
        const maps = Array.from({ length: R }, (_, r) => smoothRandomMap(SIZE, SIZE, k, smoothMapSeed(0, i, r, k)));
        const out = ys.get(method)!;
        for (const c of (await evaluator.evaluate(image, bound, maps)).maps) for (const [kind, curve] of Object.entries(c.curves) as [CurveKind, { y: number[] }][]) (out[kind] ??= []).push(curve.y);
      }
    }
  } finally {
    await attributor.close();
  }
  const mean = (curves: number[][]) => curves[0]!.map((_, p) => curves.reduce((s, c) => s + c[p]!, 0) / curves.length);
  for (const method of methods) {
    const per = ys.get(method)!;
    assert.equal(per.morf!.length, result.images.length * R);
    // Random maps run one random-order curve for MoRF and LeRF.
    const expected = { morf: mean(per.morf!), lerf: mean(per.morf!), deletion: mean(per.deletion!), insertion: mean(per.insertion!) };
    const smooth = result.aggregate[method]!.smoothRandomMeanCurves!;
    assert.deepEqual(Object.keys(smooth), ['morf', 'lerf', 'deletion', 'insertion']);
    for (const kind of ['morf', 'lerf', 'deletion', 'insertion'] as const) {
      assert.equal(smooth[kind]!.length, 9);
      smooth[kind]!.forEach((y, p) => assert.ok(Math.abs(y - expected[kind][p]!) < 1e-5, `${method} ${kind}[${p}]: ${y} vs ${expected[kind][p]}`));
    }
  }
  const a = result.aggregate[methods[0]!]!;
  const smooth = a.smoothRandomMeanCurves!;
  assert.notDeepEqual(smooth.morf, a.randomMeanCurves!.morf);
  assert.notDeepEqual(smooth.morf, result.aggregate[methods[1]!]!.smoothRandomMeanCurves!.morf);
  // The chart: a third source with the smooth curves (one random-order curve for MoRF and LeRF), its grids in the subtitle.
  const rows = chartRows(a).filter((r) => r.source === CHART_SOURCES.smooth);
  assert.deepEqual([...new Set(rows.map((r) => r.curve))], ['MoRF', 'deletion', 'insertion']);
  assert.deepEqual(rows.filter((r) => r.curve === 'MoRF').map((r) => r.y), smooth.morf);
  assert.deepEqual([...new Set(chartRows(a).map((r) => r.source))], [CHART_SOURCES.map, CHART_SOURCES.random, CHART_SOURCES.smooth]);
  const spec = chartSpec(methods[0]!, a, result.images.length) as { title: { subtitle: string[] }; encoding: { strokeDash: { scale: { domain: string[] } } } };
  assert.ok(spec.title.subtitle.some((line) => line.includes('dotted = smoothness-matched random maps') && line.includes(gridsText(a.smoothGrids))), spec.title.subtitle.join(' / '));
  assert.deepEqual(spec.encoding.strokeDash.scale.domain, Object.values(CHART_SOURCES));
  // Without random maps there is no random line, nor its legend entry.
  const bare = { ...a, randomMeanCurves: undefined, smoothRandomMeanCurves: undefined };
  assert.deepEqual([...new Set(chartRows(bare).map((r) => r.source))], [CHART_SOURCES.map]);
});

test('logit quantity uses the range normalisation (y_0 = 1, y_S = 0); broken images are skipped', async () => {
  const mixed = join(dir, 'mixed');
  mkdirSync(mixed);
  copyFileSync(join(images, 'img0.png'), join(mixed, 'a.png'));
  writeFileSync(join(mixed, 'b.png'), 'not a png');
  const warnings: string[] = [];
  const { result } = await evaluateAttributions({ ...base('logit'), images: mixed, quantity: 'logit', curves: ['morf', 'lerf'], randomMaps: 0, noCharts: true }, { onWarning: (w) => warnings.push(w) });
  assert.equal(result.images.length, 1);
  assert.equal(result.skipped.length, 1);
  assert.equal(result.skipped[0]!.path, 'b.png');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^skipping b\.png: /);
  const img = result.images[0]!;
  assert.equal(img.normalisation.morf!.rule, 'range');
  const y = img.methods.occlusion!.curves.morf!.y;
  assert.equal(y[0], 1);
  assert.equal(y.at(-1), 0);
  assert.equal(img.methods.occlusion!.random, undefined);
  assert.deepEqual(Object.keys(img.methods.occlusion!.curves), ['morf', 'lerf']);
});

test('--maps: maps read from an `attribute` output folder give the same evaluation as computed ones', async () => {
  const mapsDir = join(dir, 'maps');
  await runAttribution({ model, images, out: mapsDir, method: 'occlusion', window: 4, stride: 2, threads: 1 });
  const options = { ...base('from-maps'), curves: ['morf', 'lerf'] as const, randomMaps: 1, noCharts: true };
  const computed = await evaluateAttributions({ ...options, out: join(dir, 'computed') });
  const read = await evaluateAttributions({ ...options, maps: mapsDir });
  assert.deepEqual(read.result.images, computed.result.images);
  assert.deepEqual(read.result.protocol.methodOptions, { occlusion: { window: 4, stride: 2, fill: 'zero', quantity: 'logit' } });
  assert.deepEqual(computed.result.protocol.methodOptions, read.result.protocol.methodOptions);
  // Sanity from read maps recomputes them with the folder's options: same numbers as computed maps.
  const sane = { ...options, limit: 1, randomMaps: 0, sanity: true };
  const a = await evaluateAttributions({ ...sane, maps: mapsDir, out: join(dir, 'sane-read') });
  const b = await evaluateAttributions({ ...sane, out: join(dir, 'sane-computed') });
  assert.deepEqual(a.result.aggregate.occlusion!.sanity, b.result.aggregate.occlusion!.sanity);
  assert.match(String(read.result.protocol.maps), /read from maps\//);
  // Maps of another target are refused, naming --target.
  await assert.rejects(evaluateAttributions({ ...options, maps: mapsDir, target: '1' }), /--maps .* holds maps explaining pred, not --target 1/);
  // A method the folder lacks is named.
  await assert.rejects(evaluateAttributions({ ...options, maps: mapsDir, methods: ['rise'] }), /has no rise map of img0\.png/);
  // An index of another format (or version) is refused, naming the file; an untagged one (written before the tag) is read.
  const index = join(mapsDir, 'attribution.json');
  const stored = JSON.parse(readFileSync(index, 'utf8')) as Record<string, unknown>;
  writeFileSync(index, JSON.stringify({ ...stored, formatVersion: 2 }));
  await assert.rejects(evaluateAttributions({ ...options, maps: mapsDir }), /attribution\.json is not an attribution index \(format "neurolens-attribution" version 2, not neurolens-attribution version 1\)/);
  const { format: _f, formatVersion: _v, ...untagged } = stored;
  writeFileSync(index, JSON.stringify(untagged));
  assert.deepEqual((await evaluateAttributions({ ...options, maps: mapsDir })).result.images, computed.result.images);
});

test('bad inputs: one-line errors naming the argument', async () => {
  const cases: [Partial<EvalAttributionsOptions>, RegExp][] = [
    [{ unit: 40 }, /^--unit 40 is larger than the model input \(16×16\)/],
    [{ methods: ['nope' as never] }, /^--method must be one of occlusion, .*got "nope"/],
    [{ methods: [] }, /^--method needs at least one/],
    [{ steps: 0 }, /^--steps must be an integer ≥ 1/],
    [{ randomMaps: -1 }, /^--random-maps must be an integer ≥ 0/],
    [{ baseline: 'grey' as never }, /^--baseline "grey" is not a baseline/],
    [{ curves: ['morf', 'up' as never] }, /^--curves "up" names no known curve/],
    [{ maps: join(dir, 'nowhere') }, /^--maps .*nowhere holds no readable attribution\.json/],
    [{ target: 'neuron:nolayer:3' }, /nolayer/],
    [{ target: '7' }, /7/],
  ];
  for (const [patch, pattern] of cases) {
    await assert.rejects(evaluateAttributions({ ...base('bad'), noCharts: true, ...patch }), (error: unknown) => {
      assert.ok(isNeurolensError(error), String(error));
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, pattern);
      return true;
    });
  }
});

test('neuron targets: scored by mean activation, the protocol says so', async () => {
  const { model: m } = await loadAttributorModel(model);
  const layer = m.summary.layers.find((l) => l.kind === 'feature')!;
  const options = { ...base('neuron'), target: `neuron:${layer.id}:0`, curves: ['morf', 'lerf'] as const, randomMaps: 1, limit: 2, noCharts: true };
  // The identity conv's channel mean is unchanged by the image-mean baseline: clean = end, so the
  // 'shift' rule applies (the range would divide by ~0).
  const degenerate = await evaluateAttributions(options);
  assert.equal(degenerate.result.images[0]!.normalisation.morf!.rule, 'shift');
  const { result } = await evaluateAttributions({ ...options, baseline: 'zero' });
  assert.equal(result.protocol.target, `neuron:${layer.id}:0`);
  const img = result.images[0]!;
  assert.equal(img.cls, undefined);
  assert.match(img.target, /neuron/);
  assert.ok(['ratio', 'range'].includes(img.normalisation.morf!.rule));
  assert.equal(img.methods.occlusion!.curves.morf!.y[0], 1);
});
