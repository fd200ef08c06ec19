import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { editModel, evaluateEdit, readEditLabels, type EditEvaluation } from '../../src/edit/index.js';
import { NeurolensError } from '../../src/errors.js';
import { decodeImage, resolvePreprocessing } from '../../src/images/index.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { ModelSession } from '../../src/runtime/session.js';
import { Random } from '../../src/util/random.js';
import { tinyResNet, writeTempModel } from '../fixtures/tiny-models.js';

const CLASSES = ['ant', 'bee', 'cat', 'dog', 'eel'];
const COUNT = 12;

/** A model with a card, COUNT seeded 20×20 PNGs in images/, and a broken one. */
async function workspace(): Promise<{ model: string; dir: string; images: string[] }> {
  const model = writeTempModel(tinyResNet(4), 'classifier');
  const dir = dirname(model);
  writeFileSync(join(dir, 'classifier.json'), JSON.stringify({ classNames: CLASSES, resize: 'stretch' }));
  mkdirSync(join(dir, 'images'));
  const rng = new Random(11);
  const images: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const pixels = Buffer.from(Array.from({ length: 20 * 20 * 3 }, () => Math.floor(rng.next() * 256)));
    const name = `images/img${String(i).padStart(2, '0')}.png`;
    await sharp(pixels, { raw: { width: 20, height: 20, channels: 3 } }).png().toFile(join(dir, name));
    images.push(name);
  }
  writeFileSync(join(dir, 'images', 'broken.png'), 'not a png');
  return { model, dir, images };
}

/** Logits of `bytes` on the given image files, decoded as the edit's evaluation does. */
async function logitsOf(bytes: Uint8Array, model: string, files: string[]): Promise<Float32Array[]> {
  const prep = resolvePreprocessing({ name: 'input', dims: ['batch', 3, 16, 16], elemType: 'float32' }, { resize: 'stretch' }, {}, { modelPath: model });
  const session = await ModelSession.create(bytes, { threads: 1 });
  try {
    const out: Float32Array[] = [];
    for (const file of files) {
      const { data } = await decodeImage(file, prep);
      const logits = (await session.run({ input: { data, dims: [1, 3, 16, 16] } })).logits!.data as Float32Array;
      out.push(logits);
    }
    return out;
  } finally {
    await session.close();
  }
}

const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));

test('--eval: accuracy, per-class change and logit deltas equal a hand recount from both models', async () => {
  const { model, dir, images } = await workspace();
  const files = images.map((p) => join(dir, p));
  const original = await logitsOf(readFileSync(model), model, files);
  // Half the labels agree with the original model, half do not; names and indices mixed.
  const labels = original.map((l, i) => (i % 2 === 0 ? argmax(l) : (argmax(l) + 1) % 5));
  const rows = images.map((p, i) => `${p},${i % 3 === 0 ? CLASSES[labels[i]!] : labels[i]}`);
  writeFileSync(join(dir, 'labels.csv'), ['path,label', rows[0], 'images/broken.png,ant', 'images/missing.png,1', ...rows.slice(1)].join('\n') + '\n');

  const warnings: string[] = [];
  const out = join(dir, 'fixed.onnx');
  const result = await editModel({
    model, ablate: 'layer2.0:0,layer2.0:1,layer2.0:2,layer2.0:3,layer2.0:4,layer2.0:5,layer2.0:6,layer2.0:7,fc:0', out, threads: 1,
    eval: { labels: join(dir, 'labels.csv'), batch: 5 }, onWarning: (w) => warnings.push(w),
  });
  const e = result.evaluation!;
  assert.equal(result.evalPath, join(dir, 'fixed.eval.json'));
  assert.equal(e.n, COUNT);
  assert.deepEqual(e.skipped.map((s) => s.path), ['images/broken.png', 'images/missing.png']);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /broken\.png/);

  const edited = await logitsOf(readFileSync(out), model, files);
  const predsAfter = edited.map(argmax);
  const correctAfter = predsAfter.filter((p, i) => p === labels[i]).length;
  assert.equal(e.accuracy.before, 0.5);
  assert.equal(e.accuracy.after, correctAfter / COUNT);
  assert.equal(e.accuracy.change, (correctAfter - COUNT / 2) / COUNT);
  assert.equal(e.predictionsChanged, predsAfter.filter((p, i) => p !== argmax(original[i]!)).length);
  assert.ok(e.predictionsChanged > 0, 'zeroing the class-0 logit should change predictions');
  let dTrue = 0;
  let aTrue = 0;
  let aAll = 0;
  labels.forEach((y, i) => {
    dTrue += edited[i]![y]! - original[i]![y]!;
    aTrue += Math.abs(edited[i]![y]! - original[i]![y]!);
    for (let k = 0; k < 5; k++) aAll += Math.abs(edited[i]![k]! - original[i]![k]!);
  });
  assert.ok(Math.abs(e.logits.meanDeltaTrue - dTrue / COUNT) < 1e-6);
  assert.ok(Math.abs(e.logits.meanAbsDeltaTrue - aTrue / COUNT) < 1e-6);
  assert.ok(Math.abs(e.logits.meanAbsDeltaAll - aAll / (COUNT * 5)) < 1e-6);
  for (const c of e.perClass) {
    const mine = labels.map((y, i) => [y, i] as const).filter(([y]) => y === c.class).map(([, i]) => i);
    assert.equal(c.n, mine.length);
    assert.equal(c.name, CLASSES[c.class]);
    assert.equal(c.before, mine.filter((i) => argmax(original[i]!) === c.class).length / mine.length);
    assert.equal(c.after, mine.filter((i) => predsAfter[i] === c.class).length / mine.length);
  }
  assert.deepEqual(e.perClass.map((c) => c.class), [...new Set(labels)].sort((a, b) => a - b));
  assert.equal(e.perClass.reduce((s, c) => s + c.n, 0), COUNT);

  // eval.json: deterministic, the same figures, no timings.
  const json = readFileSync(result.evalPath!, 'utf8');
  const written = JSON.parse(json) as EditEvaluation & { models: { edited: { sha256: string } }; edit: { scale: number } };
  assert.equal(written.accuracy.after, e.accuracy.after);
  assert.equal(written.models.edited.sha256, result.sha256);
  assert.doesNotMatch(json, /seconds|time|"ms"/i);
  await editModel({ model, ablate: 'layer2.0:0,layer2.0:1,layer2.0:2,layer2.0:3,layer2.0:4,layer2.0:5,layer2.0:6,layer2.0:7,fc:0', out, threads: 1, eval: { labels: join(dir, 'labels.csv'), batch: 3 } });
  assert.equal(readFileSync(result.evalPath!, 'utf8'), json, 'another batch size gives the same file');

  // evaluateEdit on its own, from JSONL with --images-root, agrees.
  const jsonl = images.map((p, i) => JSON.stringify({ path: p.replace('images/', ''), label: labels[i] })).join('\n');
  writeFileSync(join(dir, 'labels.jsonl'), jsonl + '\n');
  const alone = await evaluateEdit({ original: model, edited: out, labels: join(dir, 'labels.jsonl'), imagesRoot: join(dir, 'images'), threads: 1 });
  assert.deepEqual(alone.accuracy, e.accuracy);
  assert.equal(alone.predictionsChanged, e.predictionsChanged);
});

test('labels files: header required, classes checked, one-line errors naming file and line', async () => {
  const { model, dir } = await workspace();
  const classes = { numClasses: 5, classNames: CLASSES };
  const put = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const rows = await readEditLabels(put('ok.csv', 'label,path,extra\r\ncat,a.png,x\r\n\r\n4,"b,c.png",y\r\n'), classes);
  assert.deepEqual(rows.map((r) => [r.path, r.label, r.line]), [['a.png', 2, 2], ['b,c.png', 4, 4]]);
  assert.equal(rows[0]!.file, join(dir, 'a.png'));
  const expectError = async (file: string, pattern: RegExp) => {
    await assert.rejects(readEditLabels(file, classes), (error: unknown) => {
      assert.ok(error instanceof NeurolensError);
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, pattern);
      return true;
    });
  };
  await expectError(put('noheader.csv', 'a.png,1\n'), /noheader\.csv: the first line must be a header/);
  await expectError(put('badclass.csv', 'path,label\na.png,1\nb.png,zebra\n'), /badclass\.csv:3: "zebra" is not a class.*0 to 4/);
  await expectError(put('range.jsonl', '{"path":"a.png","label":5}\n'), /range\.jsonl:1: "5" is not a class/);
  await expectError(put('broken.jsonl', '{"path":"a.png","label":1}\n{oops\n'), /broken\.jsonl:2: not valid JSON/);
  await expectError(put('empty.csv', 'path,label\n'), /empty\.csv lists no images/);
  await expectError(join(dir, 'absent.csv'), /labels file not found: .*absent\.csv/);

  // Every image undecodable: nothing to compare is an error (the edit itself is still written).
  put('allbad.csv', 'path,label\nimages/broken.png,0\n');
  await assert.rejects(
    editModel({ model, ablate: 'layer1.0:0', out: join(dir, 'x.onnx'), threads: 1, eval: { labels: join(dir, 'allbad.csv') } }),
    /none of the 1 image\(s\) in .*allbad\.csv could be decoded/,
  );
  assert.ok(readFileSync(join(dir, 'x.onnx')).byteLength > 0);
  assert.ok(encodeModel(tinyResNet()).byteLength > 0);
});
