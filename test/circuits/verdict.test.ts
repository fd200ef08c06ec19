// The verdict of the circuit-vs-random checks (src/circuits/verdict.ts) where it matters: a random
// drop of ~0 (a ViT's random MLP units). There a ratio is a quotient of noise, so it must be
// withheld (null, with the reason) and the verdict must come from the circuit − random difference;
// where the random drop is clearly above 0 the ratio decides. Checked on the verdict function, on
// one circuit's checks read from logits, on the per-circuit and union summaries, and on the table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEvalTable } from '../../src/circuits/eval.js';
import { readCircuitChecks, summariseCircuits, type CircuitPlan } from '../../src/circuits/faithfulness.js';
import type { CircuitCheck, CircuitsEvalFile } from '../../src/circuits/formats.js';
import { judgeAgainstDraws, judgeCheck } from '../../src/circuits/verdict.js';

test('judgeCheck: a random interval reaching 0 withholds the ratio and judges by the difference', () => {
  // The ViT case: random drop [−0.001, 0.001], a ratio that is noise, a clearly positive difference.
  const vit = judgeCheck([-0.001, 0.001], { value: 300, ci: [-900, 1200] }, [0.022, 0.032]);
  assert.equal(vit.ratio, null);
  assert.deepEqual({ basis: vit.verdict.basis, pass: vit.verdict.pass }, { basis: 'difference', pass: true });
  assert.match(vit.verdict.ratioNa!, /ratio n\/a: the random drop's 95 % interval \[-0\.001, 0\.001\] reaches 0/);
  // Same random drop, a difference interval reaching 0: fails, however large the ratio reads.
  assert.equal(judgeCheck([-0.001, 0.001], { value: 300, ci: [2, 1200] }, [-0.002, 0.03]).verdict.pass, false);
  // A random interval touching 0 exactly is not above 0.
  assert.equal(judgeCheck([0, 0], { value: Infinity, ci: [Infinity, Infinity] }, [0.1, 0.2]).verdict.basis, 'difference');
  // Random drop clearly above 0: the ratio decides (interval above 1), and is kept.
  const cnn = judgeCheck([0.4, 0.7], { value: 3.1, ci: [2.4, 4.1] }, [0.9, 1.4]);
  assert.deepEqual(cnn, { ratio: { value: 3.1, ci: [2.4, 4.1] }, verdict: { basis: 'ratio', pass: true } });
  assert.equal(judgeCheck([0.4, 0.7], { value: 1.3, ci: [0.9, 1.8] }, [-0.05, 0.3]).verdict.pass, false);
  // A ratio whose interval is not finite (a resample with no random drop) is withheld too.
  assert.equal(judgeCheck([0.1, 0.2], { value: 2, ci: [1.5, Infinity] }, [0.1, 0.3]).ratio, null);
});

test('one circuit against its draws: difference and ratio intervals follow from the random interval', () => {
  const j = judgeAgainstDraws(1, { mean: 0.5, sd: 0.1, ci: [0.4, 0.6] });
  assert.deepEqual(j.difference.ci, [0.4, 0.6]);
  assert.ok(Math.abs(j.difference.mean - 0.5) < 1e-12);
  assert.ok(j.ratio && Math.abs(j.ratio.value - 2) < 1e-12 && Math.abs(j.ratio.ci[0] - 1 / 0.6) < 1e-12 && Math.abs(j.ratio.ci[1] - 2.5) < 1e-12);
  assert.equal(j.verdict.basis, 'ratio');
  const zero = judgeAgainstDraws(0.03, { mean: 0, sd: 0.001, ci: [-0.0005, 0.0005] });
  assert.equal(zero.ratio, null);
  assert.deepEqual(zero.verdict.basis, 'difference');
  assert.ok(zero.verdict.pass);
  assert.equal(judgeAgainstDraws(-0.01, { mean: 0, sd: 0.001, ci: [-0.0005, 0.0005] }).verdict.pass, false);
});

/** One circuit, D draws: rows [original, circuit, random × D, keep, keep random × D, all] for one class. */
function checkFrom(original: number, circuit: number, randomLogits: number[], seed: number): CircuitCheck {
  const D = randomLogits.length;
  const plan: CircuitPlan = { id: `c${seed}`, seed, nodes: [], perLayer: {}, random: randomLogits.map(() => []), keep: [], keepRandom: randomLogits.map(() => []), all: [] };
  const logits = [original, circuit, ...randomLogits, original, ...randomLogits.map(() => original), original - 1].map((v) => Float32Array.of(v));
  assert.equal(logits.length, 1 + 3 + 2 * D);
  return readCircuitChecks([plan], logits, 1, 0)[0]!;
}

// Random draws that leave the logit where it was, up to ±0.001 noise around 0, and a per-query
// offset of ±0.0009 around 0 (as random units move a ViT's logit by nothing measurable).
const noise = (i: number) => [0.001, -0.001, 0.0005, -0.0005, 0, 0.0008, -0.0008, 0.0002, -0.0002, 0].map((v) => v * (1 + (i % 3) * 0.1) + ((i % 7) - 3) * 0.0003);

test('readCircuitChecks: a circuit whose random draws do not move the logit is judged by its difference', () => {
  const moving = checkFrom(4, 3.97, noise(3).map((v) => 4 - v), 7);
  assert.ok(moving.random.ci[0] <= 0 && moving.random.ci[1] >= 0, `random CI ${moving.random.ci}`);
  assert.equal(moving.ratio, null, 'no ratio over a random drop of ~0');
  assert.equal(moving.verdict.basis, 'difference');
  assert.ok(moving.difference.ci[0] > 0 && moving.verdict.pass);
  assert.ok(Math.abs(moving.difference.mean - (moving.drop - moving.random.mean)) < 1e-6);
  // A circuit that moves the logit no more than its random draws fails.
  const still = checkFrom(4, 4, noise(10).map((v) => 4 - v), 8);
  assert.equal(still.ratio, null);
  assert.equal(still.verdict.pass, false);
});

test('summaries with a zero random drop: per circuit and union withhold the ratio; the difference decides; the table says so', () => {
  const perQuery = Array.from({ length: 30 }, (_, q) => [checkFrom(4, 3.97 - 0.001 * (q % 5), noise(q).map((v) => 4 - v), q)]);
  const per = summariseCircuits(perQuery, 20);
  assert.ok(per.random.ci[0] <= 0, `random CI ${per.random.ci}`);
  assert.equal(per.ratio, null);
  assert.deepEqual({ basis: per.verdict.basis, pass: per.verdict.pass }, { basis: 'difference', pass: true });
  assert.ok(per.difference.ci[0] > 0.02);
  assert.equal(per.passes, 1);
  const failing = summariseCircuits(Array.from({ length: 30 }, (_, q) => [checkFrom(4, 4 + (q % 2 ? 0.001 : -0.001), noise(q).map((v) => 4 - v), q)]), 20);
  assert.deepEqual({ ratio: failing.ratio, basis: failing.verdict.basis, pass: failing.verdict.pass }, { ratio: null, basis: 'difference', pass: false });
  assert.ok(failing.passes < 0.5, `${failing.passes} of circuits pass against their draws`);

  const union = { queries: 30, original: { mean: 4, sd: 0 }, drop: { circuit: { mean: 0.08, sd: 0.01, ci: [0.07, 0.09] as [number, number] }, random: { mean: 0, sd: 0.001, ci: [-0.0004, 0.0004] as [number, number] }, outside: { mean: 0, sd: 0, ci: [0, 0] as [number, number] } }, difference: { mean: 0.08, sd: 0.01, ci: [0.07, 0.09] as [number, number] }, auc: { deletion: { mean: 0, sd: 0 }, insertion: { mean: 0, sd: 0 } }, circuitBeatsRandom: 1 };
  const file = {
    protocol: { support: 'tokens' },
    summary: { queries: 30, withCircuits: 30, mode: 'zero', predicted: { ...union, ratio: null, verdict: judgeCheck(union.drop.random.ci, { value: 200, ci: [-50, 900] }, union.difference.ci).verdict }, perCircuit: per },
  } as unknown as CircuitsEvalFile;
  const table = formatEvalTable(file);
  assert.doesNotMatch(table, /\d×/, 'no ratio is printed over a random drop of ~0');
  assert.equal(table.match(/circuit \/ random +ratio n\/a: the random drop's 95 % interval/g)?.length, 2);
  assert.equal(table.match(/verdict +pass: circuit − random difference, 95 % interval above 0/g)?.length, 2);
  assert.match(table, /100\.0 % of circuits pass against their own random draws/);
});
