/**
 * `/api/probes` and `/api/probes/:layer`: the probe files of the run (RUN/probes/LAYER.json) as the
 * probes page shows them — per concept the multi-neuron probe's test AUC with its 95 % interval,
 * the controls, the sparse-k curve, the top neurons, and the check every claim must pass
 * (src/probes/check.ts), so a probe that fails it is shown as failing. Files are checked as they
 * are read: one damaged file must not fail the whole list.
 */
import { probeCheck } from '../probes/check.js';
import type { ConceptProbes, ProbeLayer } from '../probes/layer-probes.js';
import { PROBE_DEFAULTS } from '../probes/defaults.js';
import type { ProbeConceptView, ProbeLayerResponse, ProbeLayerSummary, ProbesResponse } from './api.js';
import { notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

/** The layer's floor: the headline's, else the settings', else the default (files written before either). */
function floorOf(doc: ProbeLayer): number {
  const fromHeadline = doc.headline?.minTestPositives;
  const fromSettings = (doc.settings as { minTestPositives?: unknown } | undefined)?.minTestPositives;
  if (typeof fromHeadline === 'number') return fromHeadline;
  return typeof fromSettings === 'number' ? fromSettings : PROBE_DEFAULTS.minTestPositives;
}

function conceptView(c: ConceptProbes, floor: number): ProbeConceptView {
  const multi = c.probes.multiNeuron;
  const single = c.probes.singleNeuron;
  return {
    name: c.name,
    positives: c.positives,
    negatives: c.negatives,
    testPositives: c.split.testPositives,
    auc: multi.test.auc,
    aucCi: multi.ci?.auc ?? null,
    accuracy: multi.test.accuracy,
    accuracyCi: multi.ci?.accuracy ?? null,
    shuffledAuc: c.baselines.shuffled.auc,
    majorityAccuracy: c.baselines.majority.accuracy,
    singleNeuron: { neuron: single.neuron, auc: single.test.auc, aucCi: single.ci?.auc ?? null },
    sparse: c.sparse,
    topNeurons: c.topNeurons,
    check: probeCheck(c, floor),
  };
}

/** A stored probes file is usable when it has the format tag, a layer id and a concept list. */
function usable(doc: ProbeLayer | null): doc is ProbeLayer {
  return doc !== null && doc.format === 'neurolens-probes' && typeof doc.layer?.id === 'string' && Array.isArray(doc.concepts);
}

function layerView(doc: ProbeLayer): ProbeLayerResponse {
  const floor = floorOf(doc);
  const probes = doc.concepts.map((c) => conceptView(c, floor));
  const count = (verdict: string) => probes.filter((p) => p.check.verdict === verdict).length;
  return {
    layer: doc.layer.id,
    pooling: doc.pooling,
    images: doc.images,
    channels: doc.layer.channels,
    concepts: probes.length,
    passed: count('pass'),
    failed: count('fail'),
    tooFew: count('too-few'),
    minTestPositives: floor,
    headline: doc.headline ?? null,
    joint: doc.joint ?? null,
    probes,
  };
}

/** The usable probe files of the run, in name order. */
async function probeDocs(run: RunIndex): Promise<ProbeLayer[]> {
  const out: ProbeLayer[] = [];
  for (const file of await run.probeFiles()) {
    const doc = await run.json<ProbeLayer>(file);
    if (usable(doc)) out.push(doc);
  }
  return out;
}

export async function listProbes(run: RunIndex): Promise<ProbesResponse> {
  const summaries = (await probeDocs(run)).map((doc): ProbeLayerSummary => {
    const view = layerView(doc);
    return { layer: view.layer, pooling: view.pooling, images: view.images, channels: view.channels, concepts: view.concepts, passed: view.passed, failed: view.failed, tooFew: view.tooFew, minTestPositives: view.minTestPositives, headline: view.headline };
  });
  return { layers: summaries, report: (await run.exists('probes/report.html')) ? 'probes/report.html' : null };
}

export async function probeLayer(run: RunIndex, layerId: string): Promise<ProbeLayerResponse> {
  const doc = (await probeDocs(run)).find((d) => d.layer.id === layerId);
  if (!doc) throw notFound(`probes of layer ${JSON.stringify(layerId)}`);
  return layerView(doc);
}
