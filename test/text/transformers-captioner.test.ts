import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { NeurolensError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { captionImagesCached } from '../../src/text/cached.js';
import { TransformersCaptioner } from '../../src/text/transformers/captioner.js';
import { importTransformers } from '../../src/text/transformers/load.js';
import type { CaptionImage } from '../../src/text/types.js';

/*
 * Two tiny captioners built here, both "seeing" only an image's mean colour and writing a fixed
 * grammar: start → 'a' → ('red' if the image is red, 'blue' if blue) → 'square' → end. Each
 * decoder step depends on the last token alone (a transition table), so the exports need no
 * key/value cache — transformers.js then feeds the last token each step.
 */

const BIG = 100;

function writeJson(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), JSON.stringify(value));
}

/** A word-level tokenizer; the first `specials` tokens are special (dropped when decoding). */
function writeTokenizer(dir: string, vocab: readonly string[], specials: number, unk: string, config: Record<string, unknown>): void {
  writeJson(dir, 'tokenizer.json', {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: vocab.slice(0, specials).map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', unk_token: unk, vocab: Object.fromEntries(vocab.map((t, i) => [t, i])) },
  });
  writeJson(dir, 'tokenizer_config.json', config);
}

/** Transition logits: row = previous token, column = next token; -BIG everywhere else. */
function transitions(vocab: readonly string[], edges: [string, string, number][]): Float32Array {
  const V = vocab.length;
  const table = new Float32Array(V * V).fill(-BIG);
  for (const [from, to, logit] of edges) table[vocab.indexOf(from) * V + vocab.indexOf(to)] = logit;
  return table;
}

function writeOnnx(dir: string, name: string, g: GraphBuilder): void {
  writeFileSync(join(dir, 'onnx', name), encodeModel(g.build()));
}

/** Mean colour of `pixel_values` [b, 3, H, W] as [b, 1, 3]. */
function meanColour(g: GraphBuilder): string {
  g.input('pixel_values', ['batch', 3, 'height', 'width']);
  const mean = g.node('ReduceMean', ['pixel_values'], { axes: [2, 3], keepdims: 1 });
  return g.node('Reshape', [mean, g.int64s('shape', [-1, 1, 3])]);
}

const IMAGE_PROCESSOR = {
  do_resize: true, size: { height: 4, width: 4 }, resample: 2, do_center_crop: false,
  do_rescale: true, rescale_factor: 1 / 255, do_normalize: false, image_mean: [0, 0, 0], image_std: [1, 1, 1],
};

/** vision-encoder-decoder (the ViT-GPT2 layout): onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx. */
function writeVisionEncoderDecoder(dir: string): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const vocab = ['<s>', '</s>', '<pad>', 'a', 'red', 'blue', 'square'];
  const V = vocab.length;
  const encoder = new GraphBuilder();
  encoder.node('Identity', [meanColour(encoder)], {}, { outputs: ['last_hidden_state'] });
  encoder.output('last_hidden_state', ['batch', 1, 3]);
  writeOnnx(dir, 'encoder_model.onnx', encoder);

  const colour = new Float32Array(3 * V); // mean red → 'red', mean blue → 'blue'
  colour[0 * V + vocab.indexOf('red')] = 10;
  colour[2 * V + vocab.indexOf('blue')] = 10;
  const decoder = new GraphBuilder();
  decoder.input('input_ids', ['batch', 'sequence'], 'int64');
  decoder.input('encoder_hidden_states', ['batch', 1, 3]);
  decoder.initializer('transitions', transitions(vocab, [['<s>', 'a', BIG], ['a', 'red', 0], ['a', 'blue', 0], ['red', 'square', BIG], ['blue', 'square', BIG], ['square', '</s>', BIG]]), [V, V]);
  decoder.initializer('colour', colour, [3, V]);
  const next = decoder.node('Gather', ['transitions', 'input_ids'], { axis: 0 });
  const seen = decoder.node('MatMul', ['encoder_hidden_states', 'colour']);
  decoder.node('Add', [next, seen], {}, { outputs: ['logits'] });
  decoder.output('logits', ['batch', 'sequence', V]);
  writeOnnx(dir, 'decoder_model_merged.onnx', decoder);

  const ids = { decoder_start_token_id: 0, bos_token_id: 0, eos_token_id: 1, pad_token_id: 2 };
  writeJson(dir, 'config.json', {
    model_type: 'vision-encoder-decoder', is_encoder_decoder: true, ...ids,
    encoder: { model_type: 'vit', hidden_size: 3 },
    decoder: { model_type: 'gpt2', vocab_size: V, n_embd: 3, n_head: 1, n_layer: 1, bos_token_id: 0, eos_token_id: 1 },
  });
  writeJson(dir, 'generation_config.json', ids);
  writeJson(dir, 'preprocessor_config.json', { image_processor_type: 'ViTImageProcessor', ...IMAGE_PROCESSOR });
  writeTokenizer(dir, vocab, 3, '<pad>', { tokenizer_class: 'PreTrainedTokenizer', bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', unk_token: '<pad>' });
}

/**
 * Florence-2 layout: embed_tokens, vision_encoder, encoder_model and decoder_model_merged, with the
 * `<CAPTION>` task prompt in the processor config. Embeddings are one-hot, the encoder passes its
 * input through, and the decoder adds the colour it finds among the encoder states to the
 * transition logits. Generation starts from '</s>' then '<s>', as Florence-2's does.
 */
function writeFlorence2(dir: string): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const vocab = ['<s>', '<pad>', '</s>', '<unk>', 'a', 'red', 'blue', 'square', 'what'];
  const V = vocab.length;
  const oneHot = new Float32Array(V * V).map((_, i) => (i % (V + 1) === 0 ? 1 : 0));
  const embed = new GraphBuilder();
  embed.input('input_ids', ['batch', 'sequence'], 'int64');
  embed.initializer('one_hot', oneHot, [V, V]);
  embed.node('Gather', ['one_hot', 'input_ids'], { axis: 0 }, { outputs: ['inputs_embeds'] });
  embed.output('inputs_embeds', ['batch', 'sequence', V]);
  writeOnnx(dir, 'embed_tokens.onnx', embed);

  const toVocab = new Float32Array(3 * V);
  toVocab[0 * V + vocab.indexOf('red')] = 1;
  toVocab[2 * V + vocab.indexOf('blue')] = 1;
  const vision = new GraphBuilder();
  const colour = meanColour(vision);
  vision.initializer('to_vocab', toVocab, [3, V]);
  vision.node('MatMul', [colour, 'to_vocab'], {}, { outputs: ['image_features'] });
  vision.output('image_features', ['batch', 1, V]);
  writeOnnx(dir, 'vision_encoder.onnx', vision);

  const encoder = new GraphBuilder();
  encoder.input('inputs_embeds', ['batch', 'sequence', V]);
  encoder.input('attention_mask', ['batch', 'sequence'], 'int64');
  encoder.node('Identity', ['inputs_embeds'], {}, { outputs: ['last_hidden_state'] });
  encoder.output('last_hidden_state', ['batch', 'sequence', V]);
  writeOnnx(dir, 'encoder_model.onnx', encoder);

  const pick = new Float32Array(V * V);
  for (const word of ['red', 'blue']) pick[vocab.indexOf(word) * (V + 1)] = 10;
  const decoder = new GraphBuilder();
  decoder.input('inputs_embeds', ['batch', 'sequence', V]);
  decoder.input('encoder_hidden_states', ['batch', 'encoder_sequence', V]);
  decoder.input('encoder_attention_mask', ['batch', 'encoder_sequence'], 'int64');
  decoder.initializer('transitions', transitions(vocab, [['</s>', '<s>', BIG], ['<s>', 'a', BIG], ['a', 'red', 0], ['a', 'blue', 0], ['red', 'square', BIG], ['blue', 'square', BIG], ['square', '</s>', BIG]]), [V, V]);
  decoder.initializer('pick', pick, [V, V]);
  const next = decoder.node('MatMul', ['inputs_embeds', 'transitions']);
  const seen = decoder.node('ReduceSum', ['encoder_hidden_states', decoder.int64s('axis', [1])], { keepdims: 1 });
  decoder.node('Add', [next, decoder.node('MatMul', [seen, 'pick'])], {}, { outputs: ['logits'] });
  decoder.output('logits', ['batch', 'sequence', V]);
  writeOnnx(dir, 'decoder_model_merged.onnx', decoder);

  const ids = { bos_token_id: 0, pad_token_id: 1, eos_token_id: 2, decoder_start_token_id: 2 };
  writeJson(dir, 'config.json', {
    model_type: 'florence2', is_encoder_decoder: true, ...ids,
    text_config: { model_type: 'florence2_language', vocab_size: V, d_model: V, encoder_layers: 1, decoder_layers: 1, encoder_attention_heads: 1, decoder_attention_heads: 1, ...ids },
    vision_config: { model_type: 'davit' },
  });
  writeJson(dir, 'generation_config.json', ids);
  writeJson(dir, 'preprocessor_config.json', {
    processor_class: 'Florence2Processor', image_processor_type: 'CLIPImageProcessor', ...IMAGE_PROCESSOR,
    tasks_answer_post_processing_type: { '<CAPTION>': 'pure_text' },
    task_prompts_without_inputs: { '<CAPTION>': 'What does the image describe?' },
    task_prompts_with_input: {},
  });
  writeTokenizer(dir, vocab, 4, '<unk>', { tokenizer_class: 'BartTokenizer', bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>' });
}

describe('TransformersCaptioner (tiny local models, no network)', () => {
  let root: string;
  let red: CaptionImage;
  let blue: CaptionImage;
  const fetchCalls: string[] = [];

  async function image(name: string, colour: { r: number; g: number; b: number }, format: 'png' | 'jpeg' = 'png'): Promise<CaptionImage> {
    const bytes = await sharp({ create: { width: 16, height: 12, channels: 3, background: colour } })[format]().toBuffer();
    const absolutePath = join(root, 'images', name);
    writeFileSync(absolutePath, bytes);
    return { path: name, absolutePath, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'neurolens-transformers-captioner-'));
    mkdirSync(join(root, 'images'));
    writeVisionEncoderDecoder(join(root, 'vit-gpt2-tiny'));
    writeFlorence2(join(root, 'florence2-tiny'));
    red = await image('red.png', { r: 255, g: 0, b: 0 });
    blue = await image('blue.jpg', { r: 0, g: 0, b: 255 }, 'jpeg');
    const tf = await importTransformers('transformers:test');
    tf.env.fetch = async (input: string | URL) => {
      fetchCalls.push(String(input));
      throw new Error(`network access attempted: ${String(input)}`);
    };
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(fetchCalls, []);
  });

  it('captions with a vision-encoder-decoder model (image-to-text), greedy and deterministic', async () => {
    const captioner = new TransformersCaptioner({ model: join(root, 'vit-gpt2-tiny') });
    assert.equal(captioner.id, `transformers:${join(root, 'vit-gpt2-tiny')}`);
    assert.deepEqual(await captioner.caption([red, blue, red]), ['a red square', 'a blue square', 'a red square']);
    assert.deepEqual(await captioner.caption([blue]), ['a blue square']);
    assert.deepEqual(await captioner.caption([]), []);
    await captioner.close();
  });

  it('stops after maxNewTokens', async () => {
    const captioner = new TransformersCaptioner({ model: join(root, 'vit-gpt2-tiny'), maxNewTokens: 2 });
    assert.deepEqual(await captioner.caption([red, blue]), ['a red', 'a blue']);
    await captioner.close();
  });

  it('captions with Florence-2 through the <CAPTION> task', async () => {
    const captioner = new TransformersCaptioner({ model: join(root, 'florence2-tiny') });
    assert.deepEqual(await captioner.caption([red, blue]), ['a red square', 'a blue square']);
    await captioner.close();
  });

  it('works through the caching driver', async () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    const captioner = new TransformersCaptioner({ model: join(root, 'vit-gpt2-tiny'), batchSize: 1 });
    const first = await captionImagesCached(runDir, captioner, [red, blue]);
    assert.deepEqual(first, { captions: ['a red square', 'a blue square'], cached: 0, computed: 2 });
    const again = await captionImagesCached(runDir, captioner, [blue, red]);
    assert.deepEqual(again, { captions: ['a blue square', 'a red square'], cached: 2, computed: 0 });
    await captioner.close();
  });

  it('refuses a model that is not a local directory without allowRemote, at once and in one line', { timeout: 5000 }, async () => {
    const captioner = new TransformersCaptioner({ model: 'Xenova/vit-gpt2-image-captioning' });
    await assert.rejects(captioner.caption([red]), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /^transformers model 'Xenova\/vit-gpt2-image-captioning' is not a local directory \(nothing at .*\); .*--allow-remote/);
      return true;
    });
  });

  it('refuses a model whose model_type cannot caption', async () => {
    const bert = join(root, 'bert');
    mkdirSync(bert);
    writeJson(bert, 'config.json', { model_type: 'bert' });
    await assert.rejects(new TransformersCaptioner({ model: bert }).load(), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'model');
      assert.match(err.message, /has model_type 'bert', which cannot caption images; use a vision-encoder-decoder model/);
      return true;
    });
  });

  it('names a missing, changed or undecodable image', async () => {
    const captioner = new TransformersCaptioner({ model: join(root, 'vit-gpt2-tiny') });
    const gone = { ...red, absolutePath: join(root, 'images', 'gone.png') };
    await assert.rejects(captioner.caption([gone]), new RegExp(`cannot read image ${gone.absolutePath} \\(no such file\\)`));
    await assert.rejects(captioner.caption([{ ...red, sha256: '0'.repeat(64) }]), /changed since it was recorded/);
    const junkPath = join(root, 'images', 'junk.png');
    writeFileSync(junkPath, 'not an image');
    const junk = { path: 'junk.png', absolutePath: junkPath, sha256: createHash('sha256').update('not an image').digest('hex') };
    await assert.rejects(captioner.caption([junk]), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /^cannot decode image .*junk\.png for captioning \(/);
      return true;
    });
    await captioner.close();
  });

  it('rejects bad settings', () => {
    assert.throws(() => new TransformersCaptioner({ model: 'm', maxNewTokens: 0 }), RangeError);
    assert.throws(() => new TransformersCaptioner({ model: 'm', batchSize: 1.5 }), RangeError);
  });
});
