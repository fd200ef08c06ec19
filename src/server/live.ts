/**
 * What the explorer's live interventions need from the server — data only, never inference: the
 * browser runs the model itself (onnxruntime-web). `/api/live` describes the model and its layers;
 * `/live/model/NAME` is the run's model file, exactly the one manifest.json names (any other name
 * is a 404, and the file goes through the same checked resolver as `/files/`); `/live/input/INDEX`
 * is the image as the model sees it, preprocessed here by the same Node pipeline `record` used, so
 * the browser feeds the very tensor the CLI fed (no second JavaScript resize to drift from sharp).
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeImage } from '../images/index.js';
import { serverMessages } from '../messages/server.js';
import { runMessages } from '../messages/run.js';
import { sha256File } from '../store/hash.js';
import type { LiveResponse } from './api.js';
import { resolveInside } from './files.js';
import { HttpError, notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

/** URL of the model route for the manifest's model (relative to the app). */
function modelUrl(run: RunIndex): string {
  return `live/model/${encodeURIComponent(basename(run.manifest.model.path))}`;
}

/** Hashes of model files already checked, by path, size and mtime (a replaced file is re-hashed). */
const checked = new Map<string, Promise<string>>();

/**
 * The real path of the run's model when it is present and is the recorded model (same size and
 * sha256), else the one-line reason it cannot be served.
 */
async function modelProblem(run: RunIndex): Promise<{ real: string } | { problem: string }> {
  const { path, bytes, sha256 } = run.manifest.model;
  const real = await realpath(path).catch(() => null);
  const info = real === null ? null : await stat(real).catch(() => null);
  if (real === null || !info?.isFile()) return { problem: serverMessages.liveModelMissing(path) };
  if (info.size !== bytes) return { problem: serverMessages.liveModelChanged(path) };
  const key = `${real}\0${info.size}\0${info.mtimeMs}`;
  let hash = checked.get(key);
  if (!hash) {
    checked.set(key, (hash = sha256File(real)));
    hash.catch(() => checked.delete(key));
  }
  if ((await hash) !== sha256) return { problem: serverMessages.liveModelChanged(path) };
  return { real };
}

/** `/api/live`: the model's file, input, output and the layers that can be scaled. */
export async function liveInfo(run: RunIndex): Promise<LiveResponse> {
  const { manifest } = run;
  const prep = manifest.preprocessing;
  const found = await modelProblem(run);
  return {
    model: {
      path: manifest.model.path,
      url: 'problem' in found ? null : modelUrl(run),
      bytes: manifest.model.bytes,
      ...('problem' in found ? { problem: found.problem } : {}),
    },
    input: { name: manifest.model.input.name, dims: prep.layout === 'NHWC' ? [1, prep.height, prep.width, prep.channels] : [1, prep.channels, prep.height, prep.width], url: 'live/input/' },
    output: manifest.model.output,
    layers: manifest.layers.map((l) => ({ id: l.id, tensor: l.tensor, kind: l.kind, channels: l.channels, ...(l.layout ? { layout: l.layout } : {}) })),
    classNames: manifest.model.classNames ?? null,
  };
}

/**
 * Real path of the model file for `/live/model/RAWNAME`: only the manifest's model, under its own
 * name; 404 for any other name, and (with the reason) when it is missing or not the recorded model.
 */
export async function liveModelFile(run: RunIndex, rawName: string): Promise<string> {
  if (rawName !== encodeURIComponent(basename(run.manifest.model.path))) throw notFound('model file');
  const found = await modelProblem(run);
  if ('problem' in found) throw new HttpError(404, found.problem);
  return resolveInside(dirname(found.real), encodeURIComponent(basename(found.real)));
}

/** `/live/input/INDEX`: the preprocessed input tensor of one image, raw little-endian float32. */
export async function liveInput(run: RunIndex, indexText: string): Promise<Buffer> {
  if (!/^\d{1,9}$/.test(indexText)) throw notFound(`image ${JSON.stringify(indexText)}`);
  const row = await run.image(Number(indexText));
  const { data } = await decodeImage(join(run.manifest.images.root, row.path), run.manifest.preprocessing, { pixelLimitAdvice: runMessages.pixelLimit() });
  const bytes = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) bytes.writeFloatLE(data[i]!, i * 4);
  return bytes;
}
