/** User-facing messages for shards of a recording and their merge (see ./index.ts). */
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

export const shardMessages = {
  badShard: (value: string, reason: string) =>
    `--shard '${value}' ${reason}; pass --shard I/N with 0 <= I < N, e.g. --shard 0/3 for the first of three shards`,
  notISlashN: () => 'is not of the form I/N (two whole numbers)',
  zeroCount: () => 'has a count N of 0',
  indexTooLarge: (index: number, count: number) => `has index ${index}, but the shards of ${count} are numbered 0 to ${count - 1}`,
  shardsPresent: (out: string) =>
    `${out} holds shards of a recording (${out}/shards); run \`npx neurolens merge ${out}\` once every shard is finished, or choose another --out`,
  singleRunInProgress: (out: string) =>
    `${out} holds a recording in progress without --shard; finish it with the same \`npx neurolens record\` command without --shard, or choose another --out`,
  noShards: (run: string) =>
    `${run} holds no shards to merge (no ${run}/shards/record-I-of-N, circuits-eval-I-of-N, visualize-I-of-N, attribute-I-of-N or attribute-eval-I-of-N); make them first with \`npx neurolens record … --out ${run} --shard I/N\` (or \`circuits eval\`, \`visualize\`, \`attribute\`, \`attribute eval\` with --shard I/N)`,
  shardsMissing: (run: string, command: string, indices: readonly number[], count: number) =>
    `${command} ${plural(indices.length, 'shard', 'shards')} ${indices.map((i) => `${i}/${count}`).join(', ')} of ${run} ${plural(indices.length, 'is', 'are')} missing; run the other shards' \`npx neurolens ${command} …\` command with --shard ${indices[0]}/${count}${indices.length > 1 ? ' (and so on)' : ''}, then merge again`,
  shardsUnfinished: (run: string, command: string, indices: readonly number[], count: number) =>
    `${command} ${plural(indices.length, 'shard', 'shards')} ${indices.map((i) => `${i}/${count}`).join(', ')} of ${run} ${plural(indices.length, 'is', 'are')} not finished; run ${plural(indices.length, 'its', 'their')} \`npx neurolens ${command} … --shard I/N\` command again (it resumes), then merge again`,
  splitsDiffer: (run: string, stage: string, counts: readonly number[]) =>
    `${run}/shards holds ${stage} shards of different splits (${counts.map((n) => `of ${n}`).join(' and ')}); delete the folders of the split you do not want, then merge again`,
  shardsDisagree: (run: string, command: string, index: number, count: number, what: string, dir: string) =>
    `${command} shard ${index}/${count} of ${run} was made with ${what} than shard 0/${count}; delete ${dir} and run it again with the same command as the others, then merge again`,
  shardOptionsDiffer: (dir: string, command: string) =>
    `${dir} holds a ${command} shard made with different options; run it with the options it was started with, or delete ${dir} to start it again`,
  shardsOfAnotherRun: (run: string, command: string, dir: string) =>
    `the ${command} shards in ${run}/shards were made on a different recording than ${run} holds now (see ${dir}); delete them and run the shards again`,
  mergedVisualize: (path: string, shards: number, neurons: number) =>
    `merged ${shards} visualize ${plural(shards, 'shard', 'shards')} into ${path}: ${neurons} neurons`,
  visualizeShardDone: (index: number, count: number, neurons: number, run: string) =>
    `visualised shard ${index}/${count}: ${neurons} neurons into ${run}/shards; run \`npx neurolens merge ${run}\` once every shard is finished`,
  mergedEval: (path: string, shards: number, queries: number) =>
    `merged ${shards} circuits eval ${plural(shards, 'shard', 'shards')} into ${path}: ${queries} queries`,
  oneMethodPerShard: (methods: readonly string[]) =>
    `--shard takes one --method at a time (got ${methods.join(', ')}); run the shards of each method one after the other, merging in between`,
  noSanityShards: () =>
    '--shard cannot be combined with --sanity (the sanity check runs over every image after the main pass); run the shards without --sanity, or attribute eval with --sanity in one process',
  mergedAttributionEval: (path: string, shards: number, images: number) =>
    `merged ${shards} attribute eval ${plural(shards, 'shard', 'shards')} into ${path}: ${images} images`,
  attributionEvalShardDone: (index: number, count: number, images: number, out: string) =>
    `evaluated attribute eval shard ${index}/${count}: ${images} images into ${out}/shards; run \`npx neurolens merge ${out}\` once every shard is finished`,
  mergedAttribution: (path: string, shards: number, images: number) =>
    `merged ${shards} attribute ${plural(shards, 'shard', 'shards')} into ${path}: ${images} images`,
  attributionShardDone: (index: number, count: number, images: number, skipped: number, out: string) =>
    `attributed shard ${index}/${count}: ${images} images (${skipped} skipped) into ${out}/shards; run \`npx neurolens merge ${out}\` once every shard is finished`,
  evalShardDone: (index: number, count: number, queries: number, run: string) =>
    `evaluated circuits eval shard ${index}/${count}: ${queries} queries into ${run}/shards; run \`npx neurolens merge ${run}\` once every shard is finished`,
  mergedRunDiffers: (run: string) =>
    `${run} already holds a finished recording that differs from its shards; move ${run}/shards into a new folder and merge there`,
  shardDamaged: (file: string, detail: string, dir: string) => `${file} is damaged (${detail}); delete ${dir} and record that shard again`,
  merged: (run: string, shards: number, images: number, skipped: number) =>
    `merged ${shards} ${plural(shards, 'shard', 'shards')} into ${run}: ${images} images (${skipped} skipped)`,
  alreadyMerged: (run: string, images: number, skipped: number) => `${run} is already complete: ${images} images, ${skipped} skipped (nothing to merge)`,
  shardRecorded: (index: number, count: number, images: number, skipped: number, out: string) =>
    `recorded shard ${index}/${count}: ${images} images (${skipped} skipped) into ${out}; run \`npx neurolens merge ${out}\` once every shard is finished`,
  shardUnchanged: (index: number, count: number, out: string) => `shard ${index}/${count} of ${out} is already finished (nothing to do)`,
} as const;
