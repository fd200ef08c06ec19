/** User-facing messages for the concept hierarchy (see ./index.ts). */
export const conceptMessages = {
  notNested: (level: number) =>
    `the clustering's level ${level} is not nested in level ${level + 1} (a cluster spans two parents); use partitions from one FINCH run`,
  providerUnavailable: (option: string, id: string) =>
    `${option} ${id} is not available in this version; use the offline default (tfidf embedder, extractive summarizer)`,
  captionsRequired: () =>
    `concepts needs captions: pass --captions FILE (JSONL or CSV with path and caption, paths relative to the recorded image root) or --captioner openai:<model>`,
  clustersAboveFinch: (asked: number, most: number, captions: number) =>
    `--clusters ${asked} is more than FINCH finds in these ${captions} captions (its finest level has ${most}); pass --clusters ${most} or less, or leave it out for every level`,
  emptyCaptions: (count: number, captioner: string) =>
    `${captioner} returned no caption for ${count} image(s); re-run (captions are cached) or pass --allow-missing to leave them out`,
  singleLevel: (clusters: number) =>
    `FINCH v0.2.1 stopped after one level (${clusters} clusters): identical captions set its early-exit threshold to 0; use --finch-variant v0.2.2 for a deeper hierarchy`,
  noHierarchy: (images: number) => `FINCH found no hierarchy in ${images} captions (all identical or too few); add more images or captions`,
  partitionSize: (images: number) => `every partition must label all ${images} images of the run`,
  noSharedNeurons: () => 'no shared neurons',
  differenceNeurons: (count: number) => `${count} difference neuron${count === 1 ? '' : 's'} (not in the parent's group)`,
} as const;
