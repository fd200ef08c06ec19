/** User-facing messages for circuit discovery (see ./index.ts). */
export const circuitMessages = {
  rootLayer: (layer: string, layers: readonly string[]) =>
    `circuit root in layer ${layer}, which is not one of the analysis layers (${layers.join(', ')}); pick roots from those layers`,
  // sensitivity.ts / naive.ts (neuron sensitivity scores)
  cutIndependent: (from: string, to: string) =>
    `tensor ${JSON.stringify(to)} is not computed from ${JSON.stringify(from)} (parallel branches, or layers out of order), so there is no block between them to re-run; pass consecutive layers in graph order that lie on every path to the logits, such as the defaults \`npx neurolens inspect\` marks`,
  layerShape: (id: string, tensor: string, dims: readonly number[], channels: number) =>
    `layer ${id} (${JSON.stringify(tensor)}) has dims [${dims.join(', ')}], not a [N,C,H,W], [N,H,W,C], [N,T,D] or [N,D] tensor with ${channels} channels; pass the layer as \`npx neurolens inspect\` lists it`,
  notFloat: (name: string, type: string) =>
    `${JSON.stringify(name)} holds ${type} values; neuron sensitivity and regions need float32 activations`,
  tooFewLayers: (count: number) =>
    `neuron sensitivity needs at least 2 analysis layers (got ${count}); pass the model's layers in graph order`,
  badSource: (channel: number, layer: string, channels: number) =>
    `channel ${channel} is not a neuron of layer ${layer}; channels are 0 to ${channels - 1}`,
  badLayerIndex: (index: number, max: number) =>
    `layer index ${index} has no next layer to score against; use 0 to ${max}`,
  queryBatch: (dims: readonly number[]) =>
    `the query must be a single image (dims [1, …]), got dims [${dims.join(', ')}]; score one query at a time`,
  badBatch: (batch: unknown) => `batch must be a positive integer (got ${String(batch)})`,
  engineClosed: () => `the sensitivity engine was closed; create a new one to score more queries`,
  // region.ts
  noTokenGrid: (id: string, tokens: number, prefix: number, grid: readonly [number, number] | null) =>
    `layer ${id} has ${tokens} tokens but its patch grid is ${grid ? `${grid[0]}×${grid[1]} after ${prefix} prefix token(s)` : 'unknown'}, so its tokens cannot be placed on the image; pass the layer's LayerInfo from \`npx neurolens inspect\``,
  noMap: (id: string, dims: readonly number[]) =>
    `layer ${id} has dims [${dims.join(', ')}]: no spatial map to place on the image; regions need a feature map [N,C,H,W] or tokens [N,T,D]`,
  badSample: (sample: number, samples: number) => `sample ${sample} is not in the batch; samples are 0 to ${samples - 1}`,
  mapSize: (length: number, height: number, width: number) =>
    `a neuron map of ${length} values cannot be ${height}×${width}; pass the map's own height and width`,
  regionOptions: (sigma: number, threshold: number) =>
    `region options out of range (sigma ${sigma}, threshold ${threshold}); sigma must be ≥ 0 and threshold in (0, 1]`,
  // discover.ts / report.ts / `neurolens circuits`
  badPercentile: (value: unknown) => `--percentile must be a number between 0 and 100 (exclusive), got ${String(value)}`,
  queryIndexRange: (index: number, count: number, runDir: string) =>
    `query index ${index} is not an image of ${runDir}; indices are 0 to ${count - 1}`,
  noQuery: () => `--query needs at least one image path or run image index (comma-separated for several)`,
  queryWritten: (name: string, circuits: number, roots: number, seconds: number) =>
    `${name}: ${circuits} circuit(s) from ${roots} root(s) in ${seconds.toFixed(1)} s`,
  cropsWritten: (neurons: number, pngs: number, index: string) => `reference crops of ${neurons} neuron(s): ${pngs} PNG(s) listed in ${index}`,
  // ablate.ts / eval.ts / diagnose.ts (`neurolens circuits eval|diagnose`)
  badFactor: (value: unknown) => `the neuron factor must be a finite number (0 inhibits, 2 doubles), got ${String(value)}`,
  ablateLayer: (layer: string, layers: readonly string[]) =>
    `cannot ablate neurons of layer ${layer}: the run recorded ${layers.join(', ')}; name neurons by those layer ids`,
  badEvalOption: (name: string, value: unknown) => `--${name} must be a ${name === 'seed' ? 'non-negative' : 'positive'} integer, got ${String(value)}`,
  badQueries: (value: string) => `--queries must be a count (e.g. 100) or comma-separated image indices (e.g. 0,5,17), got ${JSON.stringify(value)}`,
  labelsUnreadable: (file: string, reason: string) => `cannot read labels file ${file} (${reason}); pass a CSV (path,label) or JSONL ({"path","label"}) file`,
  labelsLine: (file: string, line: number, reason: string) =>
    `${file}:${line}: ${reason}; each line needs an image path (relative to the run's image root) and a class index or class name`,
  badTarget: (value: string, classes: number, names: readonly string[] | undefined) =>
    `--target ${JSON.stringify(value)} is not a class of the model; use an index 0 to ${classes - 1}${names ? ' or a class name from the model card' : ''}`,
  noLayerMean: (layer: string) => `no dataset mean for layer ${layer}: mean ablation needs the run's mean pooling; use --ablation zero`,
  noMeanPooling: (run: string, poolings: readonly string[]) =>
    `run ${run} recorded ${poolings.join(', ')} pooling but mean ablation needs mean: use --ablation zero, or record again with --pool mean,top10`,
  badAblation: (value: string) => `--ablation must be zero, mean or both, got ${JSON.stringify(value)}`,
  ratioNa: (random: readonly [number, number]) =>
    `ratio n/a: the random drop's 95 % interval [${random[0].toFixed(3)}, ${random[1].toFixed(3)}] reaches 0, so a ratio over it is noise; judged by the circuit − random difference`,
  verdict: (v: { basis: 'ratio' | 'difference'; pass: boolean }) =>
    `${v.pass ? 'pass' : 'FAIL'}: ${v.basis === 'ratio' ? 'circuit/random ratio' : 'circuit − random difference'}, 95 % interval ${v.pass ? '' : 'not '}above ${v.basis === 'ratio' ? '1' : '0'}`,
  badSupport: (value: string) => `--support must be tokens (gate token layers, the default), all or none (plain activation-based circuits), got ${JSON.stringify(value)}`,
  badDiagnoseAblation: (value: string) => `--ablation must be zero or mean for a diagnosis, got ${JSON.stringify(value)}`,
  diagnosisNarrows: (id: string, measure: string, by: number, margin: number | null, narrowing: number, circuits: number) =>
    `circuit ${id} narrows ${measure} most: inhibiting it lowers it by ${by.toFixed(3)}${margin !== null && margin > 0 ? ` of ${margin.toFixed(3)} (${((100 * by) / margin).toFixed(0)} %)` : ''}; ${narrowing} of ${circuits} circuit(s) narrow it`,
  diagnosisNone: (measure: string, circuits: number, margin: number | null) =>
    circuits === 0
      ? `no circuit explains this prediction: the query has no circuit`
      : `no circuit narrows ${measure}${margin !== null ? ` (${margin.toFixed(3)})` : ''}: inhibiting any of the ${circuits} circuit(s) leaves it as wide or wider, so none of them explains this prediction`,
  badQueryRef: (value: string) => `--query needs one run image index or image path, got ${JSON.stringify(value)}`,
} as const;
