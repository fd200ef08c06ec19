import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapIntervals, wilsonInterval, type Interval } from '../../src/probes/bootstrap.js';
import { metrics } from '../../src/probes/metrics.js';
import { Random } from '../../src/util/random.js';

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 2e-7). */
function phi(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * A planted probe: positive scores ~ N(d, 1), negative ~ N(0, 1). Its true AUC is Φ(d/√2); at the
 * threshold d/2 both classes are right with probability Φ(d/2), so that is its true accuracy.
 */
function planted(seed: number, positives: number, negatives: number, d: number) {
  const rng = new Random(seed);
  const n = positives + negatives;
  const scores = new Float64Array(n);
  const labels = Uint8Array.from({ length: n }, (_, i) => (i < positives ? 1 : 0));
  for (let i = 0; i < n; i++) scores[i] = rng.normal() + (labels[i] ? d : 0);
  return { scores, labels, auc: phi(d / Math.SQRT2), accuracy: phi(d / 2), threshold: d / 2 };
}

const covers = (ci: Interval | null, x: number) => ci !== null && ci[0] <= x && x <= ci[1];

test('bootstrap: the 95 % intervals of a planted probe cover its true AUC and accuracy (seeded)', () => {
  const d = 1;
  let aucHits = 0;
  let accuracyHits = 0;
  const trials = 40;
  for (let t = 0; t < trials; t++) {
    const p = planted(100 + t, 40, 160, d);
    const ci = bootstrapIntervals(p.scores, p.labels, { seed: t, threshold: p.threshold, wilsonFloor: false });
    if (covers(ci.auc, p.auc)) aucHits++;
    if (covers(ci.accuracy, p.accuracy)) accuracyHits++;
  }
  // A 95 % interval misses about 2 of 40; more than 6 misses would say the interval is too narrow.
  assert.ok(aucHits >= 34, `bare bootstrap covered the true AUC ${aucHits}/${trials} times`);
  assert.ok(accuracyHits >= 34, `bare bootstrap covered the true accuracy ${accuracyHits}/${trials} times`);

  const one = planted(7, 40, 160, d);
  const ci = bootstrapIntervals(one.scores, one.labels, { seed: 0, threshold: one.threshold });
  assert.ok(covers(ci.auc, one.auc), `AUC ${one.auc} outside ${ci.auc}`);
  // It also says something: the interval excludes chance and is far from [0, 1].
  assert.ok(ci.auc![0] > 0.55 && ci.auc![1] - ci.auc![0] < 0.35, `AUC interval ${ci.auc}`);
  // The observed values lie inside their intervals.
  const accuracy = metrics(Float64Array.from(one.scores, (s) => (s >= one.threshold ? 1 : 0)), one.labels).accuracy;
  const auc = metrics(one.scores, one.labels).auc;
  assert.ok(covers(ci.accuracy, accuracy), `accuracy ${accuracy} outside ${ci.accuracy}`);
  assert.ok(covers(ci.auc, auc), `AUC ${auc} outside ${ci.auc}`);
});

test('bootstrap: deterministic for a seed, different for another', () => {
  const p = planted(3, 30, 90, 1.2);
  const a = bootstrapIntervals(p.scores, p.labels, { seed: 5, wilsonFloor: false, threshold: p.threshold });
  const b = bootstrapIntervals(p.scores, p.labels, { seed: 5, wilsonFloor: false, threshold: p.threshold });
  const c = bootstrapIntervals(p.scores, p.labels, { seed: 6, wilsonFloor: false, threshold: p.threshold });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.auc, c.auc);
});

test('bootstrap: a perfect small sample gets a wide interval, not the point [1, 1]', () => {
  for (const positives of [1, 4]) {
    const scores = Float64Array.from({ length: positives + 20 }, (_, i) => (i < positives ? 0.9 + i / 1000 : i / 100));
    const labels = Uint8Array.from(scores, (_, i) => (i < positives ? 1 : 0));
    // The bare percentile bootstrap cannot see any uncertainty here...
    assert.deepEqual(bootstrapIntervals(scores, labels, { wilsonFloor: false }).auc, [1, 1]);
    // ...so the reported interval falls back to the Wilson interval over the smaller class.
    const ci = bootstrapIntervals(scores, labels);
    assert.equal(ci.auc![1], 1);
    assert.ok(ci.auc![0] < 0.55, `${positives} positive(s): AUC interval ${ci.auc} is too narrow`);
    assert.deepEqual(ci.auc, wilsonInterval(1, positives));
  }
  // Twenty positives of the same perfect kind narrow it: the interval shrinks with evidence.
  const wide = wilsonInterval(1, 4)!;
  const narrow = wilsonInterval(1, 20)!;
  assert.ok(narrow[0] > wide[0] + 0.2);
});

test('bootstrap: Wilson interval values; undefined metrics give null', () => {
  const [lo, hi] = wilsonInterval(0.5, 100)!;
  assert.ok(Math.abs(lo - 0.4038) < 1e-3 && Math.abs(hi - 0.5962) < 1e-3, `${lo}, ${hi}`);
  assert.equal(wilsonInterval(0.5, 0), null);
  const oneClass = bootstrapIntervals(Float64Array.from([0.2, 0.7]), Uint8Array.from([1, 1]));
  assert.equal(oneClass.auc, null);
  assert.ok(oneClass.accuracy !== null);
  assert.deepEqual(bootstrapIntervals(new Float64Array(0), new Uint8Array(0)), { auc: null, accuracy: null });
});
