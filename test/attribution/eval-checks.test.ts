// The smoothness-matched random baseline (seeded, smooth, its grid rule) and the faithfulness
// checks: on the quadrant model a map of the bright pixels beats random, the inverse map is flagged
// "less faithful than random" in eval.json, eval.md and the CLI table, and the good one is not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Command } from 'commander';
import { registerMethod, type AttributionMethodSpec } from '../../src/attribution/index.js';
import { methodChecks } from '../../src/attribution/eval/checks.js';
import { unitGrid } from '../../src/attribution/eval/order.js';
import { evaluateAttributions } from '../../src/attribution/eval/pipeline.js';
import { randomMap } from '../../src/attribution/eval/random-maps.js';
import { formatSummary } from '../../src/attribution/eval/report.js';
import { SmoothMatcher, smoothGrids, smoothMapSeed, smoothRandomMap, unitAutocorrelation } from '../../src/attribution/eval/smooth-random.js';
import type { EvalResult, MethodAggregate } from '../../src/attribution/eval/types.js';
import { registerAttribute } from '../../src/cli/commands/attribute.js';
import { registerAttributeEval } from '../../src/cli/commands/attribute-eval.js';
import { attributionEvalMessages } from '../../src/messages/attribution-eval.js';
import { regionWorkspace } from '../fixtures/region-model.js';
import { runInProcess } from '../helpers/cli.js';

/** A test method whose map is each pixel's brightness (the quadrant model's evidence), or its inverse. */
function brightness(name: string, inverse: boolean): AttributionMethodSpec {
  return {
    name,
    summary: `a test method: ${inverse ? 'darkness' : 'brightness'} of each pixel`,
    options: [],
    async attribute(run) {
      const { height, width } = run.shape;
      const n = height * width;
      const data = new Float32Array(n);
      for (let p = 0; p < n; p++) {
        const sum = run.image[p]! + run.image[n + p]! + run.image[2 * n + p]!;
        data[p] = inverse ? 3 - sum : sum;
      }
      return { map: { data, height, width }, passes: 0 };
    },
  };
}

let ws: { dir: string; model: string; images: string };
before(async () => {
  registerMethod(brightness('test-bright', false));
  registerMethod(brightness('test-dark', true));
  ws = await regionWorkspace();
});

/** Pearson correlation of horizontally adjacent pixels of an H×W map. */
function neighbourCorrelation(map: Float32Array, size: number): number {
  const a: number[] = [];
  const b: number[] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x + 1 < size; x++) (a.push(map[y * size + x]!), b.push(map[y * size + x + 1]!));
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) (sab += (a[i]! - ma) * (b[i]! - mb), saa += (a[i]! - ma) ** 2, sbb += (b[i]! - mb) ** 2);
  return sab / Math.sqrt(saa * sbb);
}

test('smooth random maps: seeded (same seed → same map), in [0, 1), neighbouring pixels correlated', () => {
  const a = smoothRandomMap(32, 32, 4, smoothMapSeed(0, 3, 0, 4));
  assert.deepEqual(smoothRandomMap(32, 32, 4, smoothMapSeed(0, 3, 0, 4)), a);
  assert.notDeepEqual(smoothRandomMap(32, 32, 4, smoothMapSeed(1, 3, 0, 4)), a);
  assert.notDeepEqual(smoothRandomMap(32, 32, 4, smoothMapSeed(0, 4, 0, 4)), a);
  assert.ok(a.every((v) => v >= 0 && v < 1));
  assert.ok(neighbourCorrelation(a, 32) > 0.9, `smooth: ${neighbourCorrelation(a, 32)}`);
  const scattered = randomMap(32 * 32, 7);
  assert.ok(Math.abs(neighbourCorrelation(scattered, 32)) < 0.15, `scattered: ${neighbourCorrelation(scattered, 32)}`);
  // Coarser grids are smoother on the unit grid the curves use.
  const grid = unitGrid(32, 32, 2);
  assert.deepEqual(smoothGrids(grid), [2, 4, 8, 16]);
  assert.deepEqual(smoothGrids(unitGrid(16, 16, 8)), [2]);
  assert.deepEqual(smoothGrids(unitGrid(16, 16, 16)), []);
  const refs = new SmoothMatcher(grid).references;
  for (let i = 1; i < refs.length; i++) assert.ok(refs[i]!.autocorrelation < refs[i - 1]!.autocorrelation, JSON.stringify(refs));
  assert.ok(unitAutocorrelation(scattered, grid) < refs.at(-1)!.autocorrelation);
});

test('grid rule: the finest grid whose reference autocorrelation is at least the map\'s (the coarsest when the map is smoother)', () => {
  const grid = unitGrid(32, 32, 2);
  const matcher = new SmoothMatcher(grid);
  const refs = matcher.references;
  const ramp = Float32Array.from({ length: 32 * 32 }, (_, p) => Math.floor(p / 32) + (p % 32));
  const maps = [ramp, randomMap(32 * 32, 1), ...[2, 4, 8, 16].map((k) => smoothRandomMap(32, 32, k, 1000 + k))];
  for (const map of maps) {
    const m = matcher.match(map)!;
    assert.equal(m.autocorrelation, unitAutocorrelation(map, grid));
    const ref = refs.find((r) => r.k === m.k)!;
    const finer = refs.filter((r) => r.k > m.k);
    if (ref.autocorrelation >= m.autocorrelation) assert.ok(finer.every((r) => r.autocorrelation < m.autocorrelation), `k ${m.k} is not the finest`);
    else assert.ok(m.k === refs[0]!.k && refs.every((r) => r.autocorrelation < m.autocorrelation), `k ${m.k}: no grid is as smooth, the coarsest is used`);
  }
  assert.equal(matcher.match(ramp)!.k, 2);
  assert.equal(matcher.match(randomMap(32 * 32, 1))!.k, 16);
  assert.equal(new SmoothMatcher(unitGrid(16, 16, 16)).match(ramp), undefined);
});

test('checks: MoRF or deletion not below the random map → flagged, with the numbers and the smooth comparison', () => {
  const s = (mean: number) => ({ mean, std: null, n: 1 });
  const a: MethodAggregate = { auc: { morf: s(0.44), deletion: s(0.2) }, rawAuc: {}, meanCurves: {}, random: { morf: s(0.3), deletion: s(0.25) }, smoothRandom: { morf: s(0.54), deletion: s(0.3) }, smoothGrids: { '4': 3, '8': 1 } };
  const c = methodChecks(a)!;
  assert.equal(c.lessFaithfulThanRandom, true);
  assert.deepEqual(c.morf, { auc: 0.44, random: 0.3, belowRandom: false, smoothRandom: 0.54, belowSmoothRandom: true });
  assert.equal(c.deletion!.belowRandom, true);
  assert.match(c.reason!, /^MoRF AUC 0\.440 is not below the random map's 0\.300; against random maps as smooth as it \(4×4 grid on 3 images, 8×8 grid on 1\) it is below \(MoRF 0\.440 vs 0\.540\)/);
  // Equal counts as not below; the smooth-matched one failing too is said.
  const equal = methodChecks({ ...a, auc: { morf: s(0.3) }, smoothRandom: { morf: s(0.3) } })!;
  assert.equal(equal.lessFaithfulThanRandom, true);
  assert.match(equal.reason!, /not below random maps as smooth as it either/);
  assert.equal(methodChecks({ ...a, auc: { morf: s(0.1), deletion: s(0.1) } })!.lessFaithfulThanRandom, false);
  assert.equal(methodChecks({ ...a, auc: { morf: s(0.1), deletion: s(0.1) } })!.reason, undefined);
  assert.equal(methodChecks({ ...a, random: undefined }), undefined);
});

test('the inverse of a good map is flagged in eval.json, eval.md and the CLI table; the good map is not', async () => {
  const out = join(ws.dir, 'eval');
  const program = new Command().name('neurolens').exitOverride().enablePositionalOptions().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerAttributeEval(registerAttribute(program));
  const r = await runInProcess(program, ['attribute', 'eval', '--model', ws.model, '--images', ws.images, '--method', 'test-bright,test-dark', '--steps', '8', '--unit', '2', '--threads', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as EvalResult;
  const good = result.aggregate['test-bright' as never] as MethodAggregate;
  const bad = result.aggregate['test-dark' as never] as MethodAggregate;
  assert.equal(good.checks!.lessFaithfulThanRandom, false);
  assert.equal(good.checks!.morf!.belowRandom, true);
  assert.equal(bad.checks!.lessFaithfulThanRandom, true);
  assert.equal(bad.checks!.morf!.belowRandom, false);
  assert.ok(bad.checks!.morf!.auc >= bad.checks!.morf!.random);
  assert.match(bad.checks!.reason!, /MoRF AUC \d\.\d{3} is not below the random map's/);
  // The smooth baseline ran per image with the grid the rule picks, and is recorded.
  const image = result.images[0]!.methods['test-dark' as never]!;
  assert.ok(image.smoothRandom && [2, 4, 8].includes(image.smoothRandom.grid));
  assert.equal(Object.values(bad.smoothGrids!).reduce((s, n) => s + n, 0), 2);
  assert.deepEqual((result.protocol.smoothGrids as { k: number }[]).map((g) => g.k), [2, 4, 8]);
  // Each method's smooth random mean curves are kept for its chart.
  for (const a of [good, bad]) assert.deepEqual(Object.keys(a.smoothRandomMeanCurves!), Object.keys(a.randomMeanCurves!));
  // The CLI table and eval.md mark the bad one, and only it.
  const row = (text: string, method: string) => text.split('\n').find((l) => l.startsWith(`| ${method} |`))!;
  for (const text of [r.stdout, readFileSync(join(out, 'eval.md'), 'utf8')]) {
    assert.match(row(text, 'test-dark'), new RegExp(`\\| ✗ ${attributionEvalMessages.lessFaithful} \\|`));
    assert.match(row(text, 'test-bright'), /\| ✓ \|/);
  }
  assert.equal(r.stdout, formatSummary(result) + [join(out, 'eval.json'), join(out, 'eval.md'), join(out, 'curves.test-bright.png'), join(out, 'curves.test-dark.png')].map((f) => `${f}\n`).join(''));
  const md = readFileSync(join(out, 'eval.md'), 'utf8');
  assert.match(md, /- ✗ \*\*test-dark\*\*: less faithful than random on this model — MoRF AUC/);
  assert.match(md, /- ✓ test-bright: MoRF and deletion below the random map's/);
});
