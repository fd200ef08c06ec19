/** User-facing messages for the probes stage (`neurolens probe`; see ./index.ts). */
export const probeMessages = {
  labelsRequired: () =>
    'probe needs concept labels: pass --labels FILE (CSV path,concept or JSONL {"path","concepts"}) or --concepts clusters:LEVEL | keywords:N',
  labelsBoth: () => 'pass either --labels FILE or --concepts SPEC, not both',
  badConceptsSpec: (spec: string) =>
    `--concepts ${JSON.stringify(spec)} is not understood; use clusters:LEVEL (caption clusters of a concepts run) or keywords:N (the N most frequent caption words)`,
  labelsMissingFile: (file: string) => `labels file ${file} does not exist; check the path`,
  labelsUnreadable: (file: string, code: string) => `cannot read labels file ${file} (${code}); check its permissions`,
  labelsEmpty: (file: string) => `labels file ${file} holds no labels; write CSV rows path,concept or JSONL lines {"path","concepts":[…]}`,
  labelsBadJsonLine: (file: string, line: number) => `${file}:${line} is not valid JSON; each line must be one object {"path": "...", "concepts": ["..."]}`,
  labelsBadJsonRecord: (file: string, line: number) =>
    `${file}:${line} needs a string "path" and "concepts" (an array of strings, or one string with ;-separated concepts)`,
  labelsCsvColumns: (file: string) => `${file} has no path and concept columns; its header row must name a "path" and a "concept" (or "concepts"/"label") column`,
  labelsShortRow: (file: string, line: number) => `${file}:${line} has fewer fields than the header; every row needs a path and a concept`,
  labelsUnknownPaths: (file: string, paths: readonly string[]) =>
    `${paths.length} path(s) in ${file} are not images of the run and were ignored (first: ${paths.slice(0, 3).join(', ')}); paths are relative to the recorded image root, as in images.parquet`,
  labelsNoMatch: (file: string) => `no path in ${file} matches an image of the run; paths must be relative to the recorded image root, as in images.parquet`,
  conceptSkipped: (name: string, positives: number, negatives: number, minPositives = 2) =>
    `concept ${JSON.stringify(name)} skipped: ${positives} positive and ${negatives} negative image(s); a probe needs at least ${minPositives} positive and 2 negative`,
  noUsableConcepts: (minPositives = 2) => `no concept has at least ${minPositives} positive and 2 negative images; nothing to probe (check the labels)`,
  noConceptsRun: (run: string) => `${run} has no concepts yet; run \`npx neurolens concepts --run ${run} --captions FILE\` first`,
  unknownLevel: (level: number, levels: readonly number[]) =>
    `--concepts clusters:${level}: the concepts run has level(s) ${levels.join(', ')}; choose one of those`,
  noCaptions: (run: string) =>
    `cannot find the captions of ${run}'s concepts run (the captions file moved and the caption cache is empty); re-run \`npx neurolens concepts\` or pass --labels`,
  noKeywords: () => 'the captions hold no content words (only stop words); pass --labels instead',
  // numerical core (split.ts, standardise.ts, metrics.ts, logistic.ts, single.ts, multi.ts, mlp.ts)
  matrixShape: (length: number, rows: number, cols: number) =>
    `probes: the activation matrix holds ${length} values but rows × cols = ${rows} × ${cols}; pass row-major images × neurons data of length rows·cols`,
  labelCount: (what: string, length: number, rows: number) =>
    `probes: ${what} has ${length} entries but there are ${rows} images; pass one label per image`,
  notBinary: (what: string, index: number, value: number) =>
    `probes: ${what}[${index}] is ${value}; concept labels must be 0 or 1 (use an Int32Array of classes for exclusive concepts)`,
  badClass: (index: number, value: number) =>
    `probes: class label ${index} is ${value}; exclusive classes must be integers 0..K−1`,
  notExclusive: (row: number, count: number) =>
    `probes: image ${row} has ${count} concepts set but exclusive concepts need exactly one per image; pass exclusive: false for multi-label concepts`,
  noConcepts: () => 'probes: no concept labels given; pass at least one 0/1 label vector',
  badOption: (option: string, value: unknown, expected: string) =>
    `probes: option ${option} must be ${expected}, got ${JSON.stringify(value)}`,
  splitIndex: (part: string, value: number, rows: number) =>
    `probes: split.${part} holds row ${value}, outside 0..${rows - 1}; build the split from the same images as the activations`,
  emptyTrain: () => 'probes: the split has no training rows; use more images or a smaller test share',
  notFinite: (row: number, column: number, value: number) =>
    `probes: the activation of image ${row}, neuron ${column} is ${value}; remove or impute non-finite activations before probing`,
  tooFewTestPositives: (testPositives: number) => `too few test positives (${testPositives})`,
  noneRanked: (floor: number) => `no concept has ${floor} or more test positives, so none is ranked`,
  notRanked: (count: number, floor: number) => `${count} concept(s) with fewer than ${floor} test positives not ranked`,
  // the probe check (check.ts), shown by the explorer beside each probe
  checkTooFew: (testPositives: number, floor: number) =>
    `${testPositives} test positive(s), fewer than the ${floor} a claim needs: too rare to tell (label more images of the concept)`,
  checkNoAuc: () => 'no test AUC: the test split lacks one of the classes',
  checkPassed: (low: number, shuffled: number | null) =>
    `AUC interval's lower end ${low.toFixed(3)} is above chance (0.500)${shuffled === null ? '' : ` and the shuffled-label probe's ${shuffled.toFixed(3)}`}`,
  checkFailed: (low: number, shuffled: number | null) =>
    `AUC interval's lower end ${low.toFixed(3)} is at or below chance (0.500)${shuffled === null ? '' : ` or the shuffled-label probe's ${shuffled.toFixed(3)}`}: not linearly readable here`,
  weightCount: (length: number, cols: number) =>
    `probes: ${length} weights given for ${cols} neurons; pass the full probe's weights (one per neuron)`,
} as const;
