/** The elementwise family of backward rules (one op per file; this list registers them). */
import type { RuleSpec } from '../types.js';
import { add } from './add.js';
import { cast } from './cast.js';
import { clip } from './clip.js';
import { div } from './div.js';
import { dropout } from './dropout.js';
import { erf } from './erf.js';
import { exp } from './exp.js';
import { gelu } from './gelu.js';
import { hardSigmoid } from './hard-sigmoid.js';
import { hardSwish } from './hard-swish.js';
import { identity } from './identity.js';
import { leakyRelu } from './leaky-relu.js';
import { log } from './log.js';
import { max } from './max.js';
import { min } from './min.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { pow } from './pow.js';
import { prelu } from './prelu.js';
import { reciprocal } from './reciprocal.js';
import { relu } from './relu.js';
import { sigmoid } from './sigmoid.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { tanh } from './tanh.js';
import { where } from './where.js';

export const ELEMENTWISE_RULES: readonly RuleSpec[] = [
  add, sub, mul, div, neg, reciprocal, pow, sqrt, exp, log,
  relu, leakyRelu, prelu, sigmoid, tanh, clip, hardSigmoid, hardSwish, gelu, erf,
  max, min, where, identity, dropout, cast,
];
