/** User-facing messages of TCAV (`neurolens tcav`; see ./index.ts). */
import { CLI } from './cli.js';

const list = (items: readonly (string | number)[], max = 8) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;

export const tcavMessages = {
  noConcepts: () => '--concepts names no concept; pass concept names of the labels, comma-separated',
  noLabels: (run: string) =>
    `tcav needs concept labels: pass --labels FILE (CSV path,concept or JSONL {"path","concepts"}), or run \`${CLI} probe --run ${run} --labels FILE\` on the layer first`,
  unknownConcept: (names: readonly string[], source: string, known: readonly string[]) =>
    `--concepts: ${list(names.map((n) => JSON.stringify(n)))} not among the concepts of ${source} (${list(known.map((n) => JSON.stringify(n)))}); name concepts of those labels`,
  fewConceptImages: (name: string, count: number, min: number) =>
    `--concepts: concept ${JSON.stringify(name)} has ${count} image(s) in the run; TCAV needs at least ${min}: label more of the run's images with it, or leave it out of --concepts`,
  fewRandomImages: (name: string, left: number, min: number, images: number) =>
    `--concepts: concept ${JSON.stringify(name)} leaves ${left} image(s) of a random counter-example set outside it (the run has ${images}); at least ${min} are needed: record the run on more images, or pick a concept that covers fewer of them`,
  tooFewImages: (images: number, min: number) =>
    `--run: the run has ${images} image(s), too few for two disjoint random sets of ${min}; record it on at least ${2 * min} images`,
  badRandom: (value: number, min: number) => `--random must be at least ${min} (the random CAVs of the significance test), got ${value}; pass --random ${min} or more`,
  noClasses: (run: string) => `--run: the model of ${run} has no [N, K] class output, so there is no class logit for TCAV to explain; use a classifier's run`,
  classRange: (cls: number, classes: number) => `--class ${cls} is out of range; the model has classes 0 to ${classes - 1}`,
  unknownClassName: (name: string, names: readonly string[] | undefined) =>
    names && names.length > 0
      ? `--class ${JSON.stringify(name)} is not a class name of the model card (e.g. ${list(names, 5)}); use a class index or one of its names`
      : `--class ${JSON.stringify(name)} is not a class index, and the model card has no class names; use a class index`,
  noClassImages: (cls: string, predicted: readonly number[]) =>
    `--class ${cls}: no image of the run is predicted as that class, so there is nothing to score; choose a predicted class (${list(predicted)})`,
  stepLabels: () => 'reading concept labels',
  stepGradients: (done: number, total: number) => `gradients of the class logit: ${done}/${total} images`,
  stepCavs: (concept: string, count: number) => `fitting ${count} CAVs of ${concept}`,
} as const;
