import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interventionQuery, interventionScales, MAX_INTERVENTION_CHANNELS, parseIntervention, serialiseIntervention, type InterventionTerm } from '../../src/server/intervention-url.js';

function parsed(text: string): InterventionTerm[] {
  const result = parseIntervention(text);
  assert.ok(result.ok, `should parse ${text}: ${result.ok ? '' : result.error}`);
  return result.terms;
}

test('parses terms: channel lists and ranges, factor defaults to 0, -0 is 0, blanks ignored', () => {
  assert.deepEqual(parsed('layer1.0:3,5*0; layer4.1:7-9,2*0.5;;fc:4*-1;x:1*-0'), [
    { layer: 'layer1.0', channels: [3, 5], factor: 0 },
    { layer: 'layer4.1', channels: [2, 7, 8, 9], factor: 0.5 },
    { layer: 'fc', channels: [4], factor: -1 },
    { layer: 'x', channels: [1], factor: 0 },
  ]);
  assert.deepEqual(parsed('layer1.0:3'), [{ layer: 'layer1.0', channels: [3], factor: 0 }]);
  assert.deepEqual(parseIntervention(''), { ok: true, terms: [] });
  assert.deepEqual(parseIntervention(null), { ok: true, terms: [] });
  // The channel list follows the LAST colon: TensorFlow-style tensor names keep theirs.
  assert.deepEqual(parsed('StatefulPartitionedCall:0:2*2'), [{ layer: 'StatefulPartitionedCall:0', channels: [2], factor: 2 }]);
});

test('malformed terms give one line naming the term and the grammar', () => {
  for (const [text, why] of [
    ['layer1.0', /LAYER:CHANNELS/],
    [':3', /LAYER:CHANNELS/],
    ['layer1.0:a', /integers or ranges/],
    ['layer1.0:5-2', /runs backwards/],
    ['layer1.0:1*abc', /finite number/],
    ['layer1.0:1*', /finite number/],
    ['layer1.0:1*Infinity', /finite number/],
    ['lay%ZZer:1', /percent-encoding/],
  ] as const) {
    const result = parseIntervention(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) {
      assert.match(result.error, why, text);
      assert.match(result.error, /iv= URL parameter/);
      assert.ok(!result.error.includes('\n'));
    }
  }
  const huge = parseIntervention(`a:0-${MAX_INTERVENTION_CHANNELS}`);
  assert.equal(huge.ok, false);
  if (!huge.ok) assert.match(huge.error, /more than 65536 neurons/);
});

test('serialise → parse round-trips, compresses runs into ranges and escapes the separators in layer ids', () => {
  const terms: InterventionTerm[] = [
    { layer: 'layer1.0', channels: [0, 1, 2, 3, 7, 9, 10], factor: 0 },
    { layer: 'odd;id*with,%', channels: [4], factor: 2.5 },
    { layer: 'empty', channels: [], factor: 0 },
    { layer: 'star*', channels: [1], factor: 0 },
  ];
  const text = serialiseIntervention(terms);
  assert.equal(text, 'layer1.0:0-3,7,9,10;odd%3Bid%2Awith%2C%25:4*2.5;star%2A:1');
  const kept = terms.filter((t) => t.channels.length > 0);
  assert.deepEqual(parsed(text), kept);
  // Through a real URL: the query keeps : , ; readable and URLSearchParams decodes it back.
  const query = interventionQuery(terms);
  assert.equal(query, '?iv=layer1.0:0-3,7,9,10;odd%253Bid%252Awith%252C%2525:4*2.5;star%252A:1');
  const value = new URLSearchParams(query.slice(1)).get('iv');
  assert.deepEqual(parsed(value!), kept);
  assert.equal(interventionQuery([]), '');
});

test('scales per layer: ones except the named channels; the later term wins; unknown layers and channels are refused', () => {
  const layers = [{ id: 'a', channels: 4 }, { id: 'b', channels: 2 }];
  const result = interventionScales(parsed('a:1,2*0;a:2*3'), layers);
  assert.ok(result.ok);
  if (result.ok) {
    assert.deepEqual([...result.scales.keys()], ['a']);
    assert.deepEqual(Array.from(result.scales.get('a')!), [1, 0, 3, 1]);
  }
  const unknown = interventionScales(parsed('c:0'), layers);
  assert.ok(!unknown.ok && /layer "c", which this run did not record; use one of a, b/.test(unknown.error));
  const range = interventionScales(parsed('b:2'), layers);
  assert.ok(!range.ok && /neuron 2 of layer b, which has 2 \(0–1\)/.test(range.error));
});
