/**
 * The attribution methods: one entry per method file (method.ts says what a file declares). The
 * Attributor, the evaluation, `neurolens attribute` and `attribute eval` list, check and document
 * methods and their options only through this module. Order: as `--method` help and errors list them.
 */
import { NeurolensError } from '../errors.js';
import { attributionMessages } from '../messages/attribution.js';
import { ablationCam } from './ablation-cam.js';
import { cam } from './cam.js';
import { dga } from './dga.js';
import { gradCam } from './grad-cam.js';
import { gradCamPlusPlus } from './grad-cam-plus-plus.js';
import { guidedIgMethod } from './guided-ig.js';
import { hiresCam } from './hirescam.js';
import { layerCam } from './layercam.js';
import type { AttributionMethodSpec, MethodOption } from './method.js';
import { occlusion } from './occlusion.js';
import { fullgrad } from './fullgrad.js';
import { gradXInput } from './grad-x-input.js';
import { gradient } from './gradient.js';
import { guidedBackprop } from './guided-backprop.js';
import { integratedGradientsMethod } from './integrated-gradients.js';
import { rise } from './rise.js';
import { scoreCam } from './score-cam.js';
import { smoothgrad } from './smoothgrad.js';
import { smoothgradSq } from './smoothgrad-sq.js';
import { vargrad } from './vargrad.js';
import { xgradCam } from './xgrad-cam.js';

const methods: AttributionMethodSpec[] = [];

/** Keys of the run options (pipeline.ts) that travel in the same object as the method options. */
const RESERVED_KEYS = ['model', 'images', 'out', 'method', 'target', 'quantity', 'maxBatch', 'limit', 'preprocessing', 'threads', 'executionProvider', 'graphOptimization', 'raw'];

/**
 * Adds a method (a library user's, or a test's). Programming errors throw plain Errors: a name
 * taken or not file-name safe, an option key the run options use, or an option whose key or flag
 * another method declares differently (methods share an option by sharing its declaration).
 */
export function registerMethod(spec: AttributionMethodSpec): void {
  if (!/^[a-z0-9][a-z0-9+-]*$/.test(spec.name)) throw new Error(`attribution method name ${JSON.stringify(spec.name)}: use lowercase letters, digits, '-' and '+'`);
  if (methods.some((m) => m.name === spec.name)) throw new Error(`attribution method ${spec.name} is already registered`);
  for (const option of spec.options) {
    if (RESERVED_KEYS.includes(option.key)) throw new Error(`attribution method ${spec.name}: option key ${option.key} is taken by the run options; pick another`);
    const other = methodOptions().find((o) => (o.key === option.key || o.flag === option.flag) && o !== option);
    if (other) throw new Error(`attribution method ${spec.name}: option ${option.flag} (${option.key}) clashes with ${other.flag} (${other.key}); share one declaration`);
  }
  methods.push(spec);
}

registerMethod(occlusion);
registerMethod(rise);
registerMethod(ablationCam);
registerMethod(scoreCam);
registerMethod(cam);
registerMethod(gradient);
registerMethod(gradXInput);
registerMethod(integratedGradientsMethod);
registerMethod(smoothgrad);
registerMethod(smoothgradSq);
registerMethod(vargrad);
registerMethod(guidedBackprop);
registerMethod(fullgrad);
registerMethod(gradCam);
registerMethod(gradCamPlusPlus);
registerMethod(hiresCam);
registerMethod(layerCam);
registerMethod(xgradCam);
registerMethod(guidedIgMethod);
registerMethod(dga);

/** Every registered method, in registration order. */
export function listMethods(): readonly AttributionMethodSpec[] {
  return methods;
}

/** The names of the registered methods, in order. */
export function methodNames(): string[] {
  return methods.map((m) => m.name);
}

/** The method called `name`; a one-line usage error listing the methods otherwise. */
export function getMethod(name: string): AttributionMethodSpec {
  const found = methods.find((m) => m.name === name);
  if (!found) throw new NeurolensError('usage', attributionMessages.badMethod(String(name), methodNames()));
  return found;
}

/** Every distinct option of the registered methods (a shared declaration once), in first-use order. */
export function methodOptions(): MethodOption[] {
  return [...new Set(methods.flatMap((m) => m.options))];
}

/** The names of the methods with an input gradient (`rawGradient`), which `attribute --raw` can store. */
export function rawMethodNames(): string[] {
  return methods.filter((m) => m.rawGradient !== undefined).map((m) => m.name);
}

/** A one-line usage error unless `method` has an input gradient for `--raw` to store. */
export function checkRawMethod(method: string): void {
  if (getMethod(method).rawGradient === undefined) throw new NeurolensError('usage', attributionMessages.rawWithoutGradient(method, rawMethodNames()));
}

/** The names of the methods that declare `option`. */
export function methodsUsing(option: MethodOption): string[] {
  return methods.filter((m) => m.options.includes(option)).map((m) => m.name);
}
