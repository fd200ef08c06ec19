// longestCommonPath on hand-made circuit graphs: intersection across queries, longest path by DP,
// deterministic tie-break, layers named by id or by index, no shared edge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { longestCommonPath, type CircuitResultLike } from '../../src/circuits/common.js';

const LAYERS = ['l0', 'l1', 'l2', 'l3'].map((id) => ({ id, channels: 8 }));

/** A result whose circuits are given as edge lists "l:c>c'" (layer l → l+1); one circuit per list. */
function result(...circuits: string[][]): CircuitResultLike {
  return {
    query: { image: 'q', predicted: [] },
    layers: LAYERS,
    circuits: circuits.map((edges, i) => {
      const parsed = edges.map((e) => {
        const [l, rest] = e.split(':') as [string, string];
        const [from, to] = rest.split('>').map(Number) as [number, number];
        return { from: { layer: LAYERS[Number(l)]!.id, channel: from }, to: { layer: LAYERS[Number(l) + 1]!.id, channel: to }, sensitivity: 0.1 * (i + 1), sfs: 0.5 };
      });
      const nodes = [...new Map(parsed.flatMap((e) => [e.from, e.to]).map((n) => [`${n.layer}:${n.channel}`, n])).values()];
      return { id: i, root: parsed[0]!.from, nodes, edges: parsed };
    }),
  };
}

const path = (p: ReturnType<typeof longestCommonPath>) => p.nodes.map((n) => `${n.layer}:${n.channel}`).join(' → ');

test('the longest path present in every query, across circuits of a query', () => {
  const a = result(['0:1>2', '1:2>3', '2:3>4'], ['0:5>5', '1:5>5']);
  // Query b has the same three-edge chain split over two circuits, plus its own edges.
  const b = result(['0:1>2', '0:5>5'], ['1:2>3', '2:3>4', '1:5>6']);
  const p = longestCommonPath([a, b]);
  assert.equal(p.length, 3);
  assert.equal(path(p), 'l0:1 → l1:2 → l2:3 → l3:4');
  assert.equal(p.commonEdges, 4);
  assert.deepEqual(p.edges[0]!.sensitivity, [0.1, 0.1]);
  assert.deepEqual(p.edges[1]!.sensitivity, [0.1, 0.2]);
});

test('an edge missing in one query breaks the path; the longer remaining piece wins', () => {
  const a = result(['0:1>2', '1:2>3', '2:3>4', '0:6>7', '1:7>7']);
  const b = result(['0:1>2', '2:3>4', '0:6>7', '1:7>7']);
  assert.equal(path(longestCommonPath([a, b])), 'l0:6 → l1:7 → l2:7');
});

test('ties: shallowest start, then the lowest channel at each step', () => {
  const a = result(['1:4>1', '1:2>6', '0:3>5', '0:3>4', '1:5>0', '1:4>2']);
  // From l0:3 two branches of length 2: via l1:4 (→ 1 or 2) and via l1:5 (→ 0): l1:4 is the lower channel, then l2:1.
  assert.equal(path(longestCommonPath([a])), 'l0:3 → l1:4 → l2:1');
  // Two disjoint single edges in the same layer: the lower source channel.
  assert.equal(path(longestCommonPath([result(['2:7>0', '2:1>3'])])), 'l2:1 → l3:3');
  // The same input in another order gives the same answer.
  assert.equal(path(longestCommonPath([result(['0:3>4', '1:5>0', '1:4>2', '0:3>5', '1:2>6', '1:4>1'])])), 'l0:3 → l1:4 → l2:1');
});

test('no shared edge, no results, and layers given as indices', () => {
  assert.deepEqual(longestCommonPath([result(['0:1>2']), result(['0:1>3'])]), { length: 0, nodes: [], edges: [], commonEdges: 0 });
  assert.equal(longestCommonPath([]).length, 0);
  const byIndex: CircuitResultLike = {
    query: { image: 'q', predicted: [] },
    layers: LAYERS,
    circuits: [{ id: 0, root: 0, nodes: [{ layer: 0, channel: 1 }, { layer: 1, channel: 2 }, { layer: 2, channel: 0 }], edges: [{ from: 0, to: 1, sensitivity: 1, sfs: 1 }, { from: 1, to: 2, sensitivity: 1, sfs: 1 }] }],
  };
  assert.equal(path(longestCommonPath([byIndex, result(['0:1>2', '1:2>0'])])), 'l0:1 → l1:2 → l2:0');
});
