// `neurolens circuits` end to end on a recorded tiny run: JSON + self-contained HTML per query,
// several queries with the common-circuit section, by-path queries, and one-line errors.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { CircuitFinder, type CircuitQueryResult } from '../../src/circuits/discover.js';
import type { CircuitCropsFile, CircuitFile, CommonFile } from '../../src/circuits/formats.js';
import { record } from '../../src/record/recorder.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';
import { assertFormat } from '../helpers/schema.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';

const IMAGES = 120;

// In this process: a spawned CLI costs seconds of start-up per call. The real binary's one-line
// errors for `circuits` are checked in test/run/damaged-cli.test.ts.
async function cli(...args: string[]) {
  return runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
}

let run: string;
let meanOnly: string;
let withCircuits: number[] = [];
before(async () => {
  const ws = await makeWorkspace(tinyResNet(), IMAGES, { broken: false });
  run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  meanOnly = join(ws.dir, 'mean-only');
  await record({ model: ws.model, images: ws.images, out: meanOnly, threads: 1, poolings: ['mean'], limit: 10 });
  const finder = await CircuitFinder.create(run, { threads: 1 });
  try {
    for (let index = 0; index < IMAGES && withCircuits.length < 2; index++) if ((await finder.find({ index })).circuits.length > 0) withCircuits.push(index);
  } finally {
    await finder.close();
  }
  assert.equal(withCircuits.length, 2, 'two queries of the tiny run have circuits');
});

const withoutTime = (r: CircuitQueryResult) => ({ ...r, diagnostics: { ...r.diagnostics, seconds: 0 } });

test('circuits --query A,B: JSON and HTML per query, the common circuit, progress on stderr; deterministic', async () => {
  const [a, b] = withCircuits;
  const first = await cli('circuits', '--run', run, '--query', `${a},${b}`, '--threads', '1', '--batch', '8');
  assert.equal(first.code, 0, first.stderr);
  const dir = join(run, 'circuits');
  const files = [`img${a}.json`, `img${b}.json`, 'common.json', `img${a}.html`, `img${b}.html`, 'crops/index.json'].map((f) => join(dir, f));
  assert.deepEqual(first.stdout.trim().split('\n'), files);
  assert.match(first.stderr, new RegExp(`neurolens circuits: img${a}: roots \\d+/\\d+`));
  assert.match(first.stderr, new RegExp(`img${a}: \\d+ circuit\\(s\\) from \\d+ root\\(s\\)`));

  const file = JSON.parse(readFileSync(files[0]!, 'utf8')) as CircuitFile;
  assert.deepEqual(Object.keys(file), ['format', 'formatVersion', 'query', 'percentile', 'layers', 'roots', 'support', 'circuits', 'diagnostics']);
  assertFormat('neurolens-circuits', file);
  const { format: _format, formatVersion: _version, ...stored } = file;
  const json = stored as unknown as CircuitQueryResult;
  assert.equal(json.query.index, a);
  assert.ok(json.circuits.length > 0);
  assert.deepEqual(Object.keys(json.circuits[0]!), ['id', 'root', 'nodes', 'edges', 'summary', 'effect']);
  assert.deepEqual(Object.keys(json.circuits[0]!.nodes[0]!), ['layer', 'channel', 'region', 'act']);
  // Stored ranked by measured effect: rank 1 first, drops non-increasing.
  json.circuits.forEach((c, i) => {
    assert.equal(c.effect!.rank, i + 1);
    if (i > 0) assert.ok(c.effect!.drop <= json.circuits[i - 1]!.effect!.drop);
  });
  // The library gives the same circuits (in discovery order, without the measured effect).
  const finder = await CircuitFinder.create(run, { threads: 1 });
  try {
    const found = withoutTime(await finder.find({ index: a! }));
    const order = new Map(found.circuits.map((c, i) => [c.id, i]));
    const stored = json.circuits.map(({ effect: _effect, ...c }) => c).sort((x, y) => order.get(x.id)! - order.get(y.id)!);
    assert.deepEqual(found, { ...withoutTime(json), circuits: stored });
  } finally {
    await finder.close();
  }
  const common = JSON.parse(readFileSync(files[2]!, 'utf8')) as CommonFile;
  assert.deepEqual(Object.keys(common).slice(0, 3), ['format', 'formatVersion', 'queries']);
  assertFormat('neurolens-circuits-common', common);
  assert.equal(common.queries.length, 2);
  assert.equal(common.nodes.length, common.length === 0 ? 0 : common.length + 1);

  const html = readFileSync(files[3]!, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg class="sankey"/g) ?? []).length, json.circuits.length);
  assert.match(html, /<svg class="query"[^>]*><image href="data:image\/png;base64,/);
  assert.match(html, /<div class="crops"><img src="data:image\/png;base64,/);
  assert.match(html, /Common circuit of 2 queries/);
  assert.ok(!/(src|href)="(?!data:|#)/.test(html), 'everything is embedded: no file or network links');

  // The report's crops as run files for the explorer: every node of both queries, each PNG the very
  // picture the report embeds.
  const crops = JSON.parse(readFileSync(files[5]!, 'utf8')) as CircuitCropsFile;
  assertFormat('neurolens-circuit-crops', crops);
  const second = JSON.parse(readFileSync(files[1]!, 'utf8')) as CircuitFile;
  const nodes = new Set([...json.circuits, ...second.circuits].flatMap((c) => c.nodes.map((n) => `${n.layer}#${n.channel}`)));
  assert.deepEqual(new Set(crops.neurons.map((n) => `${n.layer}#${n.channel}`)), nodes);
  const pictures = crops.neurons.flatMap((n) => n.images.filter((i) => i.file !== null));
  assert.ok(pictures.length >= nodes.size, 'at least one crop per neuron');
  for (const p of pictures.slice(0, 5)) {
    assert.match(p.file!, /^circuits\/crops\/[^/]+\/\d+\.\d+\.png$/);
    const uri = `data:image/png;base64,${readFileSync(join(run, p.file!)).toString('base64')}`;
    assert.ok([files[3]!, files[4]!].some((f) => readFileSync(f, 'utf8').includes(uri)), `${p.file} is a report picture`);
  }

  // Same command again: byte-identical JSON but for the timing, identical HTML but for the timing line.
  const again = await cli('circuits', '--run', run, '--query', `${a},${b}`, '--threads', '1');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(readFileSync(files[0]!, 'utf8')), file);
  const untimed = (s: string) => s.replace(/ · [\d.]+ s<\/p>/, '');
  assert.equal(untimed(readFileSync(files[3]!, 'utf8')), untimed(html));
  assert.deepEqual(JSON.parse(readFileSync(files[5]!, 'utf8')), crops);
});

test('circuits --query PATH: named by the file stem, same circuits as by index', async () => {
  const [a] = withCircuits;
  const byIndex = JSON.parse(readFileSync(join(run, 'circuits', `img${a}.json`), 'utf8')) as CircuitFile;
  const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { images: { root: string } };
  const file = join(manifest.images.root, byIndex.query.image);
  const result = await cli('circuits', '--run', run, '--query', file, '--threads', '1');
  assert.equal(result.code, 0, result.stderr);
  const stem = byIndex.query.image.replace(/^.*\//, '').replace(/\.png$/, '');
  const byPath = JSON.parse(readFileSync(join(run, 'circuits', `${stem}.json`), 'utf8')) as CircuitFile;
  assert.equal(byPath.query.image, file);
  // The same circuits and effects; the random sets they are checked against are seeded by the run
  // image index (the draws `circuits eval` makes), which a query by path does not have.
  const measured = (f: CircuitFile) => f.circuits.map((c) => ({ ...c, effect: { ablation: c.effect!.ablation, drop: c.effect!.drop, rank: c.effect!.rank } }));
  assert.deepEqual(measured(byPath), measured(byIndex));
  assert.ok(byPath.circuits.every((c) => c.effect!.random!.values.length === 10 && c.effect!.verdict !== undefined));
  assert.ok(existsSync(join(run, 'circuits', `${stem}.html`)));
});

test('errors are one line with a non-zero exit: unknown layer, no top10, index out of range, unreadable image, no query', async () => {
  const bad = join(run, 'broken.png');
  writeFileSync(bad, 'not a png');
  const cases: [string[], RegExp, number][] = [
    [['--run', run, '--query', '0', '--layers', 'layer1.0,bogus'], /unknown layer\(s\) bogus/, 2],
    [['--run', meanOnly, '--query', '0'], /without top10 pooling/, 1],
    [['--run', run, '--query', `3,${IMAGES + 5}`], new RegExp(`query index ${IMAGES + 5} is not an image`), 2],
    [['--run', run, '--query', bad], /broken\.png/, 1],
    [['--run', run], /required option '--query <images>' not specified/, 2],
    [['--run', run, '--query', '0', '--percentile', '120'], /--percentile must be/, 2],
  ];
  for (const [args, pattern, code] of cases) {
    const result = await cli('circuits', ...args, '--threads', '1');
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('neurolens: error:'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, pattern);
    assert.ok(!result.stderr.includes('    at '), 'no stack trace');
  }
});

test('circuits has the eval and diagnose subcommands', async () => {
  const help = await cli('circuits', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /eval/);
  assert.match(help.stdout, /diagnose/);
});
