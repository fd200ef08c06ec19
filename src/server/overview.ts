/** `/api/overview`: what the run holds and which analyses exist. */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RatesSummary } from '../neurons/types.js';
import { API_VERSION, type OverviewResponse } from './api.js';
import { listAttribution } from './attribution.js';
import type { RunIndex } from './run-index.js';

const SKIPPED_EXAMPLES = 20;

async function skippedExamples(run: RunIndex): Promise<{ path: string; reason: string }[]> {
  let text: string;
  try {
    text = await readFile(join(run.dir, 'skipped.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: { path: string; reason: string }[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= SKIPPED_EXAMPLES) break;
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { path?: unknown; reason?: unknown };
      out.push({ path: String(entry.path ?? ''), reason: String(entry.reason ?? '') });
    } catch {
      // a torn last line of an interrupted run: ignore
    }
  }
  return out;
}

async function reports(run: RunIndex): Promise<string[]> {
  const out: string[] = [];
  for (const folder of ['concepts', 'probes', 'circuits', 'neurons']) {
    for (const e of await run.list(folder)) if (!e.dir && e.name.endsWith('.html')) out.push(`${folder}/${e.name}`);
  }
  return out;
}

export async function overview(run: RunIndex): Promise<OverviewResponse> {
  const m = run.manifest;
  const concepts: OverviewResponse['analyses']['concepts'] = [];
  for (const [layer, file] of await run.conceptFiles()) {
    const doc = await run.json<{ levels?: unknown[]; clusters?: unknown[] }>(file);
    concepts.push({ layer, levels: doc?.levels?.length ?? 0, clusters: doc?.clusters?.length ?? 0 });
  }
  const probes: OverviewResponse['analyses']['probes'] = [];
  for (const file of await run.probeFiles()) {
    const doc = await run.json<{ layer: { id: string }; concepts: unknown[]; pooling: string }>(file);
    if (doc) probes.push({ layer: doc.layer.id, concepts: doc.concepts.length, pooling: doc.pooling });
  }
  const circuits = await run.circuits();
  const neuronFiles = await run.list('neurons');
  const layerByStem = new Map(m.layers.map((l) => [l.id.replace(/[^A-Za-z0-9._-]/g, '_'), l.id]));
  const exemplarLayers = neuronFiles
    .map((e) => /^exemplars\.(.+)\.json$/.exec(e.name)?.[1])
    .flatMap((stem) => (stem !== undefined && layerByStem.has(stem) ? [layerByStem.get(stem)!] : []));
  const spriteLayers = (await run.list('neurons/thumbs')).flatMap((e) => (e.dir && layerByStem.has(e.name) ? [layerByStem.get(e.name)!] : []));
  const summary = await run.json<RatesSummary>('neurons/summary.json');
  return {
    apiVersion: API_VERSION,
    run: { name: run.name, createdAt: m.createdAt, neurolensVersion: m.neurolensVersion, fingerprint: m.fingerprint },
    model: {
      file: basename(m.model.path),
      sha256: m.model.sha256,
      input: m.model.input,
      inputSize: { height: m.preprocessing.height, width: m.preprocessing.width, channels: m.preprocessing.channels, layout: m.preprocessing.layout },
      numClasses: m.model.numClasses,
      classNames: m.model.classNames ?? null,
    },
    layers: m.layers.map((l) => ({ ...l })),
    poolings: [...m.poolings],
    defaultPooling: run.defaultPooling,
    dataset: { count: m.images.count, listed: m.images.listed, skipped: m.images.skipped, skippedExamples: await skippedExamples(run), imageRoot: basename(m.images.root) },
    analyses: {
      concepts,
      circuits: {
        queries: circuits.queries.size,
        eval: circuits.eval !== null,
        diagnoses: [...circuits.queries.values()].filter((q) => q.summary.diagnosis).length,
        common: circuits.common !== null,
      },
      probes,
      neurons: {
        summary: summary?.format === 'neurolens-neurons-summary' ? summary : null,
        dissection: await run.exists('neurons/dissection.json'),
        labels: await run.exists('neurons/labels.json'),
        exemplarLayers,
        spriteLayers,
      },
      attribution: (await listAttribution(run)).runs.map(({ name, methods, images, eval: e }) => ({ name, methods, images, eval: e })),
      reports: await reports(run),
    },
  };
}
