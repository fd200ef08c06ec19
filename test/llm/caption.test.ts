import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { NeurolensError } from '../../src/errors.js';
import { DEFAULT_CAPTION_PROMPT, OpenAiCaptioner, captionImages, type ImageRef } from '../../src/llm/caption.js';
import { sha256 } from '../../src/store/hash.js';
import { chatReply, errorReply, testClient, withServer, withTempDir } from './server.js';

async function makeImage(dir: string, name: string, format: 'png' | 'jpeg' | 'tiff', colour: [number, number, number]): Promise<ImageRef & { bytes: Buffer }> {
  const bytes = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } })
    .toFormat(format)
    .toBuffer();
  const absolutePath = join(dir, name);
  await writeFile(absolutePath, bytes);
  return { absolutePath, sha256: sha256(bytes), bytes };
}

/** Answers each request with a caption naming the image it got (its data URL's length and type). */
function captionByImage(request: { body: any }) {
  const url: string = request.body.messages[0].content[1].image_url.url;
  return chatReply(` "${url.slice(0, url.indexOf(';'))} of ${url.length} chars." `);
}

describe('captionImages', () => {
  it('sends each image as a base64 data URL next to the instruction', async () => {
    await withTempDir(async (dir) => {
      const png = await makeImage(dir, 'red.png', 'png', [255, 0, 0]);
      const jpeg = await makeImage(dir, 'blue.jpg', 'jpeg', [0, 0, 255]);
      await withServer(captionByImage, async (server) => {
        const { client } = testClient(server);
        const captions = await captionImages([png, jpeg], { client, model: 'vision-model' });
        const pngUrl = `data:image/png;base64,${png.bytes.toString('base64')}`;
        const jpegUrl = `data:image/jpeg;base64,${jpeg.bytes.toString('base64')}`;
        assert.deepEqual(captions, [`data:image/png of ${pngUrl.length} chars`, `data:image/jpeg of ${jpegUrl.length} chars`]);
        const byUrl = new Map(server.requests.map((r) => [r.body.messages[0].content[1].image_url.url, r.body]));
        assert.deepEqual(byUrl.get(pngUrl), {
          model: 'vision-model',
          messages: [{ role: 'user', content: [{ type: 'text', text: DEFAULT_CAPTION_PROMPT }, { type: 'image_url', image_url: { url: pngUrl } }] }],
          seed: 0,
          temperature: 0,
        });
        assert.ok(byUrl.has(jpegUrl));
      });
    });
  });

  it('converts formats other than PNG/JPEG/GIF/WebP to PNG', async () => {
    await withTempDir(async (dir) => {
      const tiff = await makeImage(dir, 'green.tiff', 'tiff', [0, 255, 0]);
      await withServer(captionByImage, async (server) => {
        const { client } = testClient(server);
        const [caption] = await captionImages([tiff], { client, model: 'vision-model', detail: 'low', maxTokens: 40 });
        assert.match(caption!, /^data:image\/png of \d+ chars$/);
        const body = server.requests[0]!.body;
        assert.equal(body.messages[0].content[1].image_url.detail, 'low');
        assert.equal(body.max_tokens, 40);
        const url: string = body.messages[0].content[1].image_url.url;
        const decoded = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
        assert.equal(decoded.format, 'png');
        assert.equal(decoded.width, 8);
      });
    });
  });

  it('keeps input order under concurrency and caches by image sha256 and model', async () => {
    await withTempDir(async (dir) => {
      const images = await Promise.all(Array.from({ length: 6 }, (_, i) => makeImage(dir, `img${i}.png`, 'png', [i * 40, 0, 0])));
      const cacheDir = join(dir, 'cache');
      let first: string[] = [];
      await withServer((request) => ({ ...captionByImage(request), delayMs: 5 }), async (server) => {
        const { client } = testClient(server, { cacheDir, concurrency: 3 });
        const progress: number[] = [];
        first = await captionImages(images, { client, model: 'vision-model', onProgress: (p) => progress.push(p.done) });
        assert.equal(server.requests.length, 6);
        assert.ok(server.maxInFlight <= 3);
        assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
        const urls = server.requests.map((r) => r.body.messages[0].content[1].image_url.url as string);
        images.forEach((image, i) => {
          const url = `data:image/png;base64,${image.bytes.toString('base64')}`;
          assert.ok(urls.includes(url));
          assert.equal(first[i], `data:image/png of ${url.length} chars`);
        });
      });
      await withServer(() => errorReply(500, 'must not be called'), async (server) => {
        const { client } = testClient(server, { cacheDir });
        // Moved files with the same bytes are still cache hits: the key is the sha256.
        const moved = images.map((image) => ({ absolutePath: join(dir, 'gone', 'x.png'), sha256: image.sha256 }));
        assert.deepEqual(await captionImages(moved, { client, model: 'vision-model' }), first);
        assert.equal(server.requests.length, 0);
      });
      await withServer(() => chatReply('from another model'), async (server) => {
        const { client } = testClient(server, { cacheDir });
        await captionImages(images.slice(0, 1), { client, model: 'other-model' });
        assert.equal(server.requests.length, 1, 'another model is another cache entry');
      });
    });
  });

  it('refuses missing or changed images with one-line input errors', async () => {
    await withTempDir(async (dir) => {
      const png = await makeImage(dir, 'a.png', 'png', [1, 2, 3]);
      await withServer(() => chatReply('unused'), async (server) => {
        const { client } = testClient(server);
        const inputError = (pattern: RegExp) => (err: unknown) =>
          err instanceof NeurolensError && err.kind === 'input' && pattern.test(err.message) && !err.message.includes('\n');
        await assert.rejects(
          captionImages([{ absolutePath: join(dir, 'missing.png'), sha256: png.sha256 }], { client, model: 'm' }),
          inputError(/cannot read image .*missing\.png \(no such file\)/),
        );
        await assert.rejects(
          captionImages([{ absolutePath: png.absolutePath, sha256: 'f'.repeat(64) }], { client, model: 'm' }),
          inputError(/a\.png changed since it was recorded/),
        );
        assert.equal(server.requests.length, 0);
      });
    });
  });

  it('implements the text pipeline Captioner (id openai:<model>)', async () => {
    await withTempDir(async (dir) => {
      const png = await makeImage(dir, 'a.png', 'png', [9, 9, 9]);
      await withServer(() => chatReply('A grey square.'), async (server) => {
        const { client } = testClient(server, { concurrency: 2 });
        const captioner = new OpenAiCaptioner({ client, model: 'llava:7b' });
        assert.equal(captioner.id, 'openai:llava:7b');
        assert.equal(captioner.batchSize, 8);
        assert.deepEqual(await captioner.caption([{ path: 'a.png', ...png }]), ['A grey square']);
      });
    });
  });
});
