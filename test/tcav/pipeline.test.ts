import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTcav } from '../../src/tcav/pipeline.js';
import type { TcavFile } from '../../src/tcav/types.js';
import { tcavWorkspace } from './fixture.js';

const fixture = tcavWorkspace();

test('tcav: a bright concept drives the bright class, significantly; a random concept does not', { timeout: 120_000 }, async () => {
  const { run, labels } = await fixture;
  const result = await runTcav({ run, labels, concepts: ['bright', 'random'], class: 'bright', random: 20, threads: 1 });
  const tcav = JSON.parse(readFileSync(result.file, 'utf8')) as TcavFile;
  assert.equal(result.file, join(run, 'tcav', 'relu.bright.json'));
  assert.equal(tcav.format, 'neurolens-tcav');
  assert.equal(tcav.layer.id, 'relu');
  assert.deepEqual({ index: tcav.class.index, name: tcav.class.name }, { index: 1, name: 'bright' });
  const [bright, random] = tcav.concepts;
  assert.equal(bright!.mean, 1, `every bright CAV raises the bright logit on every image: ${bright!.scores}`);
  assert.ok(bright!.significant && bright!.pAdjusted < 0.05, `bright p ${bright!.pAdjusted}`);
  assert.ok(bright!.cavAccuracy! >= 0.8, `bright CAV accuracy ${bright!.cavAccuracy}`);
  assert.equal(random!.significant, false, `random concept p ${random!.pAdjusted}`);
  assert.ok(tcav.random.std > 0 && tcav.random.mean > 0.1 && tcav.random.mean < 0.9, `null ${JSON.stringify(tcav.random)}`);
  assert.equal(bright!.pAdjusted, Math.min(1, Math.round(bright!.p * 2 * 1e6) / 1e6));
  assert.equal(tcav.settings.correction, 'bonferroni');
  assert.match(readFileSync(result.report, 'utf8'), /\| bright \| 10 \| 1\.00 \|/);
});

test('tcav: the same seed gives byte-identical JSON; another seed other draws', { timeout: 120_000 }, async () => {
  const { run, labels, dir } = await fixture;
  const options = { run, labels, concepts: ['bright', 'random'], class: '1', random: 10, threads: 1 };
  const a = await runTcav({ ...options, out: join(dir, 'a.json') });
  const b = await runTcav({ ...options, out: join(dir, 'b.json') });
  const c = await runTcav({ ...options, seed: 7, out: join(dir, 'c.json') });
  assert.equal(readFileSync(a.file, 'utf8'), readFileSync(b.file, 'utf8'));
  assert.equal(readFileSync(a.report, 'utf8'), readFileSync(b.report, 'utf8'));
  assert.notEqual(readFileSync(a.file, 'utf8'), readFileSync(c.file, 'utf8'));
  assert.equal(a.report, join(dir, 'a.md'));
});
