/** User-facing messages for the concept hierarchy (see ./index.ts). */
export const conceptMessages = {
  notNested: (level: number) =>
    `the clustering's level ${level} is not nested in level ${level + 1} (a cluster spans two parents); use partitions from one FINCH run`,
  partitionSize: (images: number) => `every partition must label all ${images} images of the run`,
} as const;
