/**
 * A small explored run for the server tests: the concepts test run (24 colour images, a tiny
 * ResNet) with real concepts for two layers, plus hand-written circuits, probes, neurons and
 * attribution outputs in the formats those stages write, and a stand-in built web app.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildConcepts } from '../../src/concepts/pipeline.js';
import { colourRun } from '../concepts/helpers.js';

export interface ExplorerFixture {
  run: string;
  web: string;
  dir: string;
}

const png = (r: number, g: number, b: number, size = 8) => sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).png().toBuffer();

const json = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

function circuitDoc() {
  const box = { x: 0, y: 0, width: 8, height: 8 };
  return {
    format: 'neurolens-circuits',
    formatVersion: 1,
    query: { index: 1, image: 'red/1.png', predicted: [{ class: 2, score: 0.6 }, { class: 0, score: 0.2 }] },
    percentile: 90,
    layers: [{ id: 'layer1.0', channels: 8 }, { id: 'layer2.0', channels: 16 }],
    roots: [{ layer: 'layer1.0', channel: 3 }],
    // layer2.0 gated (as if it were a token layer): its nodes carry the drop that admitted them.
    support: { gate: 'tokens', layers: ['layer2.0'], tested: 4, supporting: 2 },
    circuits: [
      {
        id: 'layer1.0#3',
        root: { layer: 'layer1.0', channel: 3 },
        nodes: [
          { layer: 'layer1.0', channel: 3, region: box, act: 1.5 },
          { layer: 'layer2.0', channel: 5, region: box, act: 0.75, support: 0.125 },
          { layer: 'layer2.0', channel: 7, region: box, act: 0.5, support: 0.25 },
        ],
        edges: [
          { from: { layer: 'layer1.0', channel: 3 }, to: { layer: 'layer2.0', channel: 5 }, sensitivity: 0.6, sfs: 0.5 },
          { from: { layer: 'layer1.0', channel: 3 }, to: { layer: 'layer2.0', channel: 7 }, sensitivity: 0.4, sfs: 0.25 },
        ],
        summary: { nodes: 3, edges: 2, layers: [1, 2], meanSensitivity: 0.5 },
      },
    ],
    diagnostics: { sources: 1, edgesConsidered: 4 },
  };
}

function probeDoc() {
  const scores = { accuracy: 0.9, balancedAccuracy: 0.88, auc: 0.95 };
  return {
    format: 'neurolens-probes',
    formatVersion: 1,
    layer: { id: 'layer2.0', tensor: 't', channels: 16 },
    pooling: 'mean',
    images: 24,
    settings: {},
    concepts: [
      {
        name: 'red',
        positives: 8,
        negatives: 16,
        split: { train: 16, validation: 2, test: 6, testPositives: 2 },
        probes: { singleNeuron: { test: scores, neuron: 5, heldInAuc: 0.9 }, multiNeuron: { test: scores }, multiConcept: null, mlp: null },
        baselines: { majority: scores, shuffled: scores },
        sparse: { k: 2, target: 0.95, targetAuc: 0.9, curve: [{ k: 1, auc: 0.8 }] },
        topNeurons: [
          { neuron: 5, heldInAuc: 0.9, auc: 0.95, accuracy: 0.9, weight: 1.2 },
          { neuron: 7, heldInAuc: 0.8, auc: 0.85, accuracy: 0.8, weight: -0.7 },
        ],
      },
    ],
    joint: null,
  };
}

/** Builds the fixture (about 10 s: recording and concepts of the tiny model). */
export async function explorerFixture(): Promise<ExplorerFixture> {
  const { run, captions, dir } = await colourRun();
  await buildConcepts({ run, captions, layers: ['layer1.0', 'layer2.0'] });
  mkdirSync(join(run, 'circuits'), { recursive: true });
  json(join(run, 'circuits', 'img1.json'), circuitDoc());
  writeFileSync(join(run, 'circuits', 'img1.html'), '<!doctype html><title>circuit</title>');
  json(join(run, 'circuits', 'img1.diagnosis.json'), { query: 1, target: 0, circuits: [{ id: 'layer1.0#3', inhibit: -0.5 }] });
  json(join(run, 'circuits', 'eval.json'), { format: 'neurolens-circuits-eval', formatVersion: 1, protocol: { seed: 0 }, summary: { queries: 1 }, chosen: [1], queries: [{ index: 1, circuits: 1, neurons: 3 }] });
  mkdirSync(join(run, 'probes'), { recursive: true });
  json(join(run, 'probes', 'layer2.0.json'), probeDoc());
  mkdirSync(join(run, 'neurons', 'thumbs', 'layer2.0'), { recursive: true });
  writeFileSync(join(run, 'neurons', 'thumbs', 'layer2.0', '5.png'), await png(200, 10, 10, 16));
  json(join(run, 'neurons', 'summary.json'), { format: 'neurolens-neurons-summary', formatVersion: 1, images: 24, layers: [] });
  json(join(run, 'neurons', 'labels.json'), { layers: [{ id: 'layer2.0', neurons: [{ channel: 5, label: 'red square', score: 0.75 }] }] });
  json(join(run, 'neurons', 'exemplars.layer2.0.json'), {
    format: 'neurolens-exemplars',
    formatVersion: 1,
    layer: { id: 'layer2.0', tensor: 't', channels: 16 },
    pooling: 'mean',
    settings: { top: 2, thumbSize: 16 },
    inputSize: [16, 16],
    sprites: 'thumbs/layer2.0/C.png',
    neurons: [{ channel: 5, images: [3, 1], paths: ['red/3.png', 'red/1.png'], activations: [2.5, 2], boxes: [{ x: 1, y: 2, width: 4, height: 4 }, null] }],
  });
  mkdirSync(join(run, 'attribution', 'occl'), { recursive: true });
  json(join(run, 'attribution', 'occl', 'attribution.json'), { format: 'neurolens-attribution', formatVersion: 1, protocol: {}, entries: ['red/0.png', 'red/1.png'].map((path) => ({ name: path, path, method: 'occlusion', files: { npy: '', png: '' } })), skipped: [] });
  json(join(run, 'attribution', 'occl', 'eval.json'), { format: 'neurolens-attribution-eval', formatVersion: 1, methods: ['occlusion', 'rise'], images: [], aggregate: {} });
  writeFileSync(join(run, 'attribution', 'occl', 'red_0.occlusion.png'), await png(0, 0, 255));
  const web = mkdtempSync(join(tmpdir(), 'neurolens-web-'));
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><html><head><title>neurolens</title><script type="module" src="./assets/app.js"></script></head><body><div id="root"></div></body></html>\n');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log("app");\n');
  return { run, web, dir };
}

/** A GET (or other method) with the path sent exactly as given (fetch would normalise `..`). */
export function rawRequest(url: string, path: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = { ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }), ...headers };
    const req = request({ hostname, port, path, method, headers: sent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
