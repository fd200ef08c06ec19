/** The shape family of backward rules (one op per file; this list registers them). */
import type { RuleSpec } from '../types.js';
import { concat } from './concat.js';
import { expand } from './expand.js';
import { flatten } from './flatten.js';
import { gather } from './gather.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { split } from './split.js';
import { squeeze } from './squeeze.js';
import { transpose } from './transpose.js';
import { unsqueeze } from './unsqueeze.js';

export const SHAPE_RULES: readonly RuleSpec[] = [flatten, reshape, transpose, concat, split, slice, gather, squeeze, unsqueeze, expand, pad];
