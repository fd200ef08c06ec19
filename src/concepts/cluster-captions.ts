/**
 * One caption per cluster at every level, plus difference descriptions. Extractive captions
 * (medoid + c-TF-IDF keywords) are always computed — they are the fallback and give keywords;
 * with an LLM summarizer, level-1 clusters get a summary of their members' captions, higher levels
 * a generalisation of their children's, and each child a description of what it adds to its
 * parent. Every caption records which method produced it.
 */
import { extractiveCaptions } from '../text/index.js';
import type { ClusterCaption } from '../text/types.js';
import type { OpenAiSummarizer } from '../llm/summarize.js';

export interface LevelCaption {
  caption: string;
  method: string;
  keywords: string[];
  medoid: number;
  /** What this cluster adds to its parent ('' at the top level). */
  difference: string;
  differenceMethod: string;
}

function keywordDifference(child: ClusterCaption, parent: ClusterCaption): string {
  const parentWords = new Set(parent.keywords.flatMap((k) => k.split(' ')));
  const added = child.keywords.filter((k) => !k.split(' ').every((w) => parentWords.has(w)));
  return added.length > 0 ? `adds: ${added.join(', ')}` : `same keywords as the parent (${parent.caption})`;
}

function members(partition: Int32Array): number[][] {
  const out: number[][] = [];
  partition.forEach((label, i) => (out[label] ??= []).push(i));
  return out;
}

/** captions[level][label]; `kept` maps row positions to run image indices. */
export async function clusterCaptions(
  captions: readonly string[],
  embeddings: Float32Array,
  partitions: readonly Int32Array[],
  options: { keywords: number; kept: readonly number[]; summarizer?: OpenAiSummarizer; onStep?: (m: string) => void },
): Promise<LevelCaption[][]> {
  const extractive = partitions.map((p) => extractiveCaptions(captions, embeddings, p, { keywords: options.keywords, imageIndex: options.kept }));
  const levels: LevelCaption[][] = extractive.map((level) =>
    level.map((c) => ({ caption: c.caption, method: 'extractive', keywords: c.keywords, medoid: c.medoid, difference: '', differenceMethod: 'extractive (keywords)' })),
  );
  const summarizer = options.summarizer;
  if (summarizer) {
    for (const [l, partition] of partitions.entries()) {
      options.onStep?.(`summarizing level ${l + 1} (${levels[l]!.length} clusters) with ${summarizer.method}`);
      if (l === 0) {
        const groups = members(partition);
        await Promise.all(groups.map(async (rows, label) => {
          const result = await summarizer.summarizeCluster({ captions: rows.map((r) => captions[r]!) });
          if (result.ok) Object.assign(levels[0]![label]!, { caption: result.value, method: result.method });
        }));
      } else {
        const parentOf = parentLabels(partitions[l - 1]!, partition);
        await Promise.all(levels[l]!.map(async (cluster, label) => {
          const childCaptions = parentOf.flatMap((p, child) => (p === label ? [levels[l - 1]![child]!.caption] : []));
          const result = await summarizer.generaliseChildren({ childCaptions });
          if (result.ok) Object.assign(cluster, { caption: result.value, method: result.method });
        }));
      }
    }
  }
  for (let l = 0; l + 1 < partitions.length; l++) {
    const parentOf = parentLabels(partitions[l]!, partitions[l + 1]!);
    for (const [label, child] of levels[l]!.entries()) child.difference = keywordDifference(extractive[l]![label]!, extractive[l + 1]![parentOf[label]!]!);
    if (!summarizer) continue;
    options.onStep?.(`describing level-${l + 1} differences with ${summarizer.method}`);
    await Promise.all(levels[l + 1]!.map(async (parent, parentLabel) => {
      const children = parentOf.flatMap((p, child) => (p === parentLabel ? [{ id: String(child), caption: levels[l]![child]!.caption }] : []));
      if (children.length === 0) return;
      const result = await summarizer.describeDifferences({ parentCaption: parent.caption, children });
      if (!result.ok) return;
      for (const d of result.value) Object.assign(levels[l]![Number(d.id)]!, { difference: d.difference, differenceMethod: result.method });
    }));
  }
  return levels;
}

/** For each cluster of the finer partition, the label of the coarser cluster containing it. */
function parentLabels(finer: Int32Array, coarser: Int32Array): number[] {
  const parents: number[] = [];
  finer.forEach((label, i) => (parents[label] ??= coarser[i]!));
  return parents;
}
