import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverCircuits, selectEdges, SFS_FLOOR } from '../../src/circuits/expand.js';
import type { CircuitEdge, NeuronRef } from '../../src/circuits/types.js';
import { NeurolensError } from '../../src/errors.js';

const LAYERS = ['a', 'b', 'c', 'd'];
const n = (layer: string, channel: number): NeuronRef => ({ layer, channel });

/** A synthetic oracle from an adjacency list "a0" → ["b1", …]; counts calls per node. */
function oracle(graph: Record<string, string[]>) {
  const calls: string[] = [];
  const edgesFrom = async (layer: string, channel: number): Promise<CircuitEdge[]> => {
    const key = `${layer}${channel}`;
    calls.push(key);
    return (graph[key] ?? []).map((to, i) => ({ from: n(layer, channel), to: n(to[0]!, Number(to.slice(1))), sensitivity: 1 / (i + 1), sfs: 0.5 }));
  };
  return { edgesFrom, calls };
}

const fmt = (e: CircuitEdge) => `${e.from.layer}${e.from.channel}>${e.to.layer}${e.to.channel}`;
const fmtNodes = (ns: NeuronRef[]) => ns.map((x) => `${x.layer}${x.channel}`);

test('expansion: visited roots get no circuit, shared sub-trees are expanded once and reused', async () => {
  const graph = {
    a0: ['b0', 'b1'],
    a1: ['b1'], // reaches b1's cached sub-tree
    a2: [], // no edges: no circuit
    b0: ['c0'],
    b1: ['c0', 'c1'], // c0 shared with b0
    b2: ['c2'], // b2 is a root not reached by anyone
    c0: ['d0'],
    c1: ['d0', 'd1'],
    c2: ['d1'],
  };
  const { edgesFrom, calls } = oracle(graph);
  const progress: number[] = [];
  // Roots given out of order and with a repeat; b0 and c0 are reached from a0 before their turn.
  const roots = [n('c', 0), n('b', 2), n('a', 1), n('a', 0), n('b', 0), n('a', 2), n('a', 0), n('d', 1)];
  const circuits = await discoverCircuits({ layers: LAYERS, roots, edgesFrom, onProgress: (p) => progress.push(p.expanded) });

  // Each node's oracle is called at most once, depth-first from a0; the last layer is never asked.
  assert.deepEqual(calls, ['a0', 'b0', 'c0', 'b1', 'c1', 'a1', 'a2', 'b2', 'c2']);
  assert.equal(new Set(calls).size, calls.length);
  assert.deepEqual(progress, [5, 6, 7, 7, 9, 9]); // roots a0, a1, a2, b0, b2, c0 (d1: last layer, dropped)

  assert.deepEqual(circuits.map((c) => fmtNodes([c.root])[0]), ['a0', 'a1', 'b2']);
  const [c0, c1, c2] = circuits;
  assert.deepEqual(c0!.edges.map(fmt), ['a0>b0', 'a0>b1', 'b0>c0', 'b1>c0', 'b1>c1', 'c0>d0', 'c1>d0', 'c1>d1']);
  assert.deepEqual(fmtNodes(c0!.nodes), ['a0', 'b0', 'b1', 'c0', 'c1', 'd0', 'd1']);
  // a1's circuit includes b1's whole cached sub-tree, each edge once although d0 is reachable twice.
  assert.deepEqual(c1!.edges.map(fmt), ['a1>b1', 'b1>c0', 'b1>c1', 'c0>d0', 'c1>d0', 'c1>d1']);
  assert.deepEqual(fmtNodes(c1!.nodes), ['a1', 'b1', 'c0', 'c1', 'd0', 'd1']);
  assert.deepEqual(c2!.edges.map(fmt), ['b2>c2', 'c2>d1']);
  // Edge weights come through untouched.
  assert.equal(c0!.edges[1]!.sensitivity, 0.5);
});

test('expansion: duplicate edges from the oracle are dropped; output is deterministic', async () => {
  const graph = { a0: ['b1', 'b0', 'b1'], b0: ['c0', 'c0'], b1: ['c0'], c0: ['d0'] };
  const run = async () => {
    const { edgesFrom, calls } = oracle(graph);
    return { circuits: await discoverCircuits({ layers: LAYERS, roots: [n('a', 0)], edgesFrom }), calls };
  };
  const first = await run();
  assert.deepEqual(first.calls, ['a0', 'b1', 'c0', 'b0']); // oracle order followed depth-first
  assert.equal(first.circuits.length, 1);
  assert.deepEqual(first.circuits[0]!.edges.map(fmt), ['a0>b0', 'a0>b1', 'b0>c0', 'b1>c0', 'c0>d0']); // sorted
  assert.equal(JSON.stringify((await run()).circuits), JSON.stringify(first.circuits));
});

test('expansion: bad roots and bad oracle edges are refused', async () => {
  const { edgesFrom } = oracle({});
  await assert.rejects(discoverCircuits({ layers: LAYERS, roots: [n('z', 0)], edgesFrom }), NeurolensError);
  const skipping = async (layer: string, channel: number): Promise<CircuitEdge[]> => [{ from: n(layer, channel), to: n('c', 0), sensitivity: 1, sfs: 1 }];
  await assert.rejects(discoverCircuits({ layers: LAYERS, roots: [n('a', 0)], edgesFrom: skipping }), RangeError);
  assert.deepEqual(await discoverCircuits({ layers: LAYERS, roots: [], edgesFrom }), []);
});

test('selectEdges: candidates → peaks-over-threshold cut → semantic cut', () => {
  // 40 next-layer channels. Channels 0–29 are candidates with small scores; 30 (huge score, query
  // outside T10), 31 (S = 0), 32 (S < 0) and 33–39 (query outside T10) are not.
  const scores = new Float64Array(40);
  const sfs = new Float64Array(40);
  for (let c = 0; c < 30; c++) scores[c] = 0.01 + 0.0001 * c;
  scores[30] = 100;
  scores[32] = -5;
  for (let c = 33; c < 40; c++) scores[c] = 0.02;
  // Peaks among the candidates: 5, 17, 29 by score; SFS decides which survive the semantic cut.
  scores[5] = 1;
  scores[17] = 0.9;
  scores[29] = 0.8;
  sfs.fill(0.05);
  sfs[5] = 0.6;
  sfs[17] = 0.09; // strong but semantically unrelated: below the 0.1 floor
  sfs[29] = 0.3;
  const inT10 = (c: number) => c < 30 || c === 31 || c === 32;
  const { edges, diagnostics } = selectEdges({ source: n('a', 3), targetLayer: 'b', scores, sfs, queryInT10: inT10 });
  assert.equal(diagnostics.candidates, 30);
  assert.equal(diagnostics.afterSensitivity, 3);
  assert.ok(diagnostics.z > diagnostics.t && diagnostics.z < 0.8);
  const mean = (0.6 + 0.09 + 0.3 + 27 * 0.05) / 30;
  assert.equal(diagnostics.sfsCut, Math.max(mean, SFS_FLOOR));
  assert.equal(diagnostics.sfsCut, SFS_FLOOR);
  assert.deepEqual(edges, [
    { from: n('a', 3), to: n('b', 5), sensitivity: 1, sfs: 0.6 },
    { from: n('a', 3), to: n('b', 29), sensitivity: 0.8, sfs: 0.3 },
  ]);
  assert.equal(diagnostics.afterSemantic, 2);

  // A high mean SFS raises the semantic bar above the floor.
  const rich = Float64Array.from(sfs, (v, c) => (c === 5 ? 0.6 : c === 29 ? 0.3 : 0.5));
  const r2 = selectEdges({ source: n('a', 3), targetLayer: 'b', scores, sfs: rich, queryInT10: inT10 });
  assert.ok(r2.diagnostics.sfsCut > 0.45);
  assert.deepEqual(r2.edges.map((e) => e.to.channel), [5, 17]);

  // No candidates: nothing, without fitting.
  const none = selectEdges({ source: n('a', 3), targetLayer: 'b', scores, sfs, queryInT10: () => false });
  assert.deepEqual(none.edges, []);
  assert.equal(none.diagnostics.candidates, 0);
  assert.throws(() => selectEdges({ source: n('a', 3), targetLayer: 'b', scores, sfs: new Float64Array(3), queryInT10: inT10 }), RangeError);
});
