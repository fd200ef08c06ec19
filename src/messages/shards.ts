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
    `${run} holds no shards to merge (no ${run}/shards/record-I-of-N); record them first with \`npx neurolens record … --out ${run} --shard I/N\``,
  shardsMissing: (run: string, indices: readonly number[], count: number) =>
    `${plural(indices.length, 'shard', 'shards')} ${indices.map((i) => `${i}/${count}`).join(', ')} of ${run} ${plural(indices.length, 'is', 'are')} missing; run the other shards' \`npx neurolens record … --out ${run}\` command with --shard ${indices[0]}/${count}${indices.length > 1 ? ' (and so on)' : ''}, then merge again`,
  shardsUnfinished: (run: string, indices: readonly number[], count: number) =>
    `${plural(indices.length, 'shard', 'shards')} ${indices.map((i) => `${i}/${count}`).join(', ')} of ${run} ${plural(indices.length, 'is', 'are')} not finished; run ${plural(indices.length, 'its', 'their')} \`npx neurolens record … --shard I/N\` command again (it resumes), then merge again`,
  splitsDiffer: (run: string, counts: readonly number[]) =>
    `${run}/shards holds shards of different splits (${counts.map((n) => `of ${n}`).join(' and ')}); delete the folders of the split you do not want, then merge again`,
  shardsDisagree: (run: string, index: number, count: number, what: string, dir: string) =>
    `shard ${index}/${count} of ${run} was recorded with a different ${what} than shard 0/${count}; delete ${dir} and record it again with the same command as the others, then merge again`,
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
