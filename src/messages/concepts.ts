/** User-facing messages for the concept hierarchy (see ./index.ts). */
export const conceptMessages = {
  notNested: (level: number) =>
    `the clustering's level ${level} is not nested in level ${level + 1} (a cluster spans two parents); use partitions from one FINCH run`,
  providerUnavailable: (option: string, id: string) =>
    `${option} ${id} is not available in this version; use the offline default (tfidf embedder, extractive summarizer)`,
  captionsRequired: () =>
    `concepts needs captions: pass --captions FILE (JSONL or CSV with path and caption, paths relative to the recorded image root) or --captioner openai:<model>`,
  poolingMissing: (pooling: string, recorded: readonly string[]) =>
    `--pooling ${pooling} was not recorded in this run (recorded: ${recorded.join(', ')}); re-record with --pool or choose one of those`,
  unknownLayers: (names: readonly string[], recorded: readonly string[]) =>
    `unknown layer(s) ${names.join(', ')} for --layers; this run recorded ${recorded.join(', ')}`,
  emptyCaptions: (count: number, captioner: string) =>
    `${captioner} returned no caption for ${count} image(s); re-run (captions are cached) or pass --allow-missing to leave them out`,
  singleLevel: (clusters: number) =>
    `FINCH v0.2.1 stopped after one level (${clusters} clusters): identical captions set its early-exit threshold to 0; use --finch-variant v0.2.2 for a deeper hierarchy`,
  noHierarchy: (images: number) => `FINCH found no hierarchy in ${images} captions (all identical or too few); add more images or captions`,
  partitionSize: (images: number) => `every partition must label all ${images} images of the run`,
} as const;
