import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { embedTextsCached } from '../../src/text/cached.js';
import { TransformersEmbedder } from '../../src/text/transformers/embedder.js';
import { importTransformers, importWith, resolveModel, type TransformersModule } from '../../src/text/transformers/load.js';

/**
 * A tiny BERT-like feature-extraction export, built here: a WordPiece tokenizer over 8 tokens
 * ([CLS] text [SEP], lower-cased) and an ONNX "model" whose last_hidden_state is a plain lookup in
 * a 8 × 3 embedding table, so every expected vector is the hand-computable normalised mean of
 * table rows.
 */
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'cat', 'dog', 'red', 'blue'] as const;
const DIMS = 3;
const TABLE: number[][] = [
  [9, 9, 9], // [PAD]: would show up in a mean that ignored the attention mask
  [0, 0, 1], // [UNK]
  [1, 0, 0], // [CLS]
  [0, 1, 0], // [SEP]
  [2, 0, 0], // cat
  [0, 3, 0], // dog
  [-1, 2, 2], // red
  [4, 0, -3], // blue
];

function writeTinyEmbedder(dir: string, options: { withOnnx?: boolean } = {}): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  if (options.withOnnx !== false) {
    const g = new GraphBuilder({ name: 'tiny-bert' });
    g.input('input_ids', ['batch', 'sequence'], 'int64');
    g.input('attention_mask', ['batch', 'sequence'], 'int64');
    g.input('token_type_ids', ['batch', 'sequence'], 'int64');
    g.initializer('embeddings', Float32Array.from(TABLE.flat()), [VOCAB.length, DIMS]);
    g.node('Gather', ['embeddings', 'input_ids'], { axis: 0 }, { outputs: ['last_hidden_state'] });
    g.output('last_hidden_state', ['batch', 'sequence', DIMS]);
    writeFileSync(join(dir, 'onnx', 'model.onnx'), encodeModel(g.build()));
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: DIMS, vocab_size: VOCAB.length }));
  const special = (content: string, id: number) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const clsSep = (seq: string, typeId: number) => [
    { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: seq, type_id: typeId } }, { SpecialToken: { id: '[SEP]', type_id: typeId } },
  ];
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: VOCAB.slice(0, 4).map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: clsSep('A', 0),
      pair: [...clsSep('A', 0), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])) },
  }));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512,
    pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]',
  }));
}

/** The expected row, in float64: [CLS] + words + [SEP], averaged, then scaled to unit length. */
function expectedRow(words: readonly string[]): number[] {
  const ids = [2, ...words.map((w) => Math.max(1, VOCAB.indexOf(w.toLowerCase() as (typeof VOCAB)[number]))), 3];
  const mean = [0, 0, 0].map((_, d) => ids.reduce((sum, id) => sum + TABLE[id]![d]!, 0) / ids.length);
  const norm = Math.hypot(...mean);
  return mean.map((v) => v / norm);
}

function assertRowsClose(actual: Float32Array, expected: number[][]): void {
  assert.equal(actual.length, expected.length * DIMS);
  expected.flat().forEach((v, i) => assert.ok(Math.abs(actual[i]! - v) < 1e-6, `value ${i}: ${actual[i]} vs ${v}`));
}

describe('TransformersEmbedder (tiny local model, no network)', () => {
  let root: string;
  let modelDir: string;
  let tf: TransformersModule;
  const fetchCalls: string[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'neurolens-transformers-'));
    modelDir = join(root, 'tiny-bert');
    writeTinyEmbedder(modelDir);
    tf = await importTransformers('transformers:test');
    // Any attempt to reach the network in this file fails loudly instead of hanging.
    tf.env.fetch = async (input: string | URL) => {
      fetchCalls.push(String(input));
      throw new Error(`network access attempted: ${String(input)}`);
    };
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(fetchCalls, []);
  });

  it('returns the normalised attention-masked mean of the token vectors, across batches with padding', async () => {
    const embedder = new TransformersEmbedder({ model: modelDir, batchSize: 2 });
    assert.equal(embedder.id, `transformers:${modelDir}`);
    assert.equal(embedder.perText, true);
    assert.equal(embedder.dims, 0);
    // Lengths 3, 5, 4 (with [CLS]/[SEP]): the first batch pads 'cat' to 5 tokens with [PAD] = (9, 9, 9).
    const texts = ['cat', 'Red dog blue', 'zebra cat', ''];
    const rows = await embedder.embed(texts);
    assert.equal(embedder.dims, DIMS);
    assertRowsClose(rows, [expectedRow(['cat']), expectedRow(['red', 'dog', 'blue']), expectedRow(['zebra', 'cat']), expectedRow([])]);
    for (let r = 0; r < texts.length; r++) assert.ok(Math.abs(Math.hypot(...rows.subarray(r * DIMS, (r + 1) * DIMS)) - 1) < 1e-6);
    await embedder.close();
  });

  it('is deterministic and independent of the batch size', async () => {
    const texts = ['cat', 'red dog blue blue', 'dog', 'blue cat red', 'x y z'];
    const one = new TransformersEmbedder({ model: modelDir, batchSize: 1 });
    const all = new TransformersEmbedder({ model: modelDir });
    const a = await one.embed(texts);
    const b = await all.embed(texts);
    const c = await all.embed(texts);
    assert.deepEqual(Buffer.from(b.buffer), Buffer.from(c.buffer));
    // Padding is masked out of the mean exactly, so batching changes nothing, bit for bit.
    assert.deepEqual(a, b);
    assert.equal((await all.embed([])).length, 0);
    await Promise.all([one.close(), all.close()]);
  });

  it('works through the caching driver', async () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    const embedder = new TransformersEmbedder({ model: modelDir });
    const first = await embedTextsCached(runDir, embedder, ['cat', 'dog', 'cat']);
    assert.equal(first.dims, DIMS);
    assert.equal(first.computed, 2);
    assertRowsClose(first.vectors, [expectedRow(['cat']), expectedRow(['dog']), expectedRow(['cat'])]);
    const second = await embedTextsCached(runDir, new TransformersEmbedder({ model: modelDir }), ['dog', 'cat']);
    assert.equal(second.cached, 2);
    assert.equal(second.computed, 0);
    await embedder.close();
  });

  it('prints nothing while loading and running (the library never prints)', async () => {
    const printed: unknown[][] = [];
    const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
    for (const name of Object.keys(saved) as (keyof typeof saved)[]) console[name] = (...args: unknown[]) => void printed.push(args);
    try {
      const embedder = new TransformersEmbedder({ model: modelDir });
      await embedder.load();
      await embedder.embed(['cat dog']);
      await embedder.close();
    } finally {
      Object.assign(console, saved);
    }
    assert.deepEqual(printed, []);
    assert.equal(tf.env.logLevel, tf.LogLevel.NONE);
    assert.equal(tf.env.allowRemoteModels, false);
  });

  it('refuses a model that is not a local directory without allowRemote, at once and in one line', { timeout: 5000 }, async () => {
    const missing = join(root, 'no-such-model');
    for (const model of ['Xenova/all-MiniLM-L6-v2', missing]) {
      const embedder = new TransformersEmbedder({ model });
      const started = Date.now();
      await assert.rejects(embedder.embed(['cat']), (err: unknown) => {
        assert.ok(err instanceof NeurolensError);
        assert.equal(err.kind, 'input');
        assert.doesNotMatch(err.message, /\n/);
        assert.match(err.message, new RegExp(`transformers model '${model.replace(/[.\\/]/g, '\\$&')}' is not a local directory`));
        assert.match(err.message, /--allow-remote/);
        return true;
      });
      assert.ok(Date.now() - started < 1000);
    }
    await assert.rejects(resolveModel('Xenova/all-MiniLM-L6-v2'), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.ok(err.message.includes(join(process.cwd(), 'Xenova/all-MiniLM-L6-v2')), err.message);
      return true;
    });
  });

  it('resolves local directories to absolute paths and Hub ids only with allowRemote', async () => {
    assert.deepEqual(await resolveModel(modelDir), { ref: modelDir, local: true });
    assert.deepEqual(await resolveModel(modelDir, true), { ref: modelDir, local: true });
    assert.deepEqual(await resolveModel('Xenova/all-MiniLM-L6-v2', true), { ref: 'Xenova/all-MiniLM-L6-v2', local: false });
    for (const bad of ['a/b/c', '../up', 'has space', join(root, 'missing-abs')]) {
      await assert.rejects(resolveModel(bad, true), /is neither a local directory nor a Hugging Face Hub id/);
    }
  });

  it('names what is wrong with a local model directory', async () => {
    const noConfig = join(root, 'no-config');
    mkdirSync(noConfig);
    await assert.rejects(new TransformersEmbedder({ model: noConfig }).embed(['x']), new RegExp(`directory ${noConfig} has no config.json`));
    const file = join(root, 'model.onnx');
    writeFileSync(file, 'x');
    await assert.rejects(new TransformersEmbedder({ model: file }).embed(['x']), new RegExp(`model ${file} is a file, not a directory`));
    const noOnnx = join(root, 'no-onnx');
    writeTinyEmbedder(noOnnx, { withOnnx: false });
    await assert.rejects(new TransformersEmbedder({ model: noOnnx }).embed(['x']), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'model');
      assert.doesNotMatch(err.message, /\n/);
      assert.ok(err.message.includes(`lacks ${join(noOnnx, 'onnx')}/model.onnx`), err.message);
      return true;
    });
  });

  it('says how to install @huggingface/transformers when it is missing', async () => {
    const notFound = Object.assign(new Error("Cannot find package '@huggingface/transformers' imported from /x/load.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await assert.rejects(importWith(() => Promise.reject(notFound), 'transformers:Xenova/all-MiniLM-L6-v2'), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'usage');
      assert.equal(
        err.message,
        'transformers:Xenova/all-MiniLM-L6-v2 needs the optional package @huggingface/transformers, which is not installed; install it with npm install @huggingface/transformers',
      );
      return true;
    });
    // A broken install (a dependency of the package missing) names what broke.
    const depMissing = Object.assign(new Error("Cannot find package 'onnxruntime-node' imported from\n/x/transformers.node.mjs"), { code: 'ERR_MODULE_NOT_FOUND' });
    await assert.rejects(importWith(() => Promise.reject(depMissing), 'transformers:m'), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'runtime');
      assert.match(err.message, /^cannot load @huggingface\/transformers \(Cannot find package 'onnxruntime-node' imported from \/x\/transformers.node.mjs\); reinstall it/);
      return true;
    });
  });

  it('rejects a bad batch size', () => {
    assert.throws(() => new TransformersEmbedder({ model: 'm', batchSize: 0 }), RangeError);
  });
});
