/** The elementwise family of backward rules (one op per file; this list registers them). */
import type { RuleSpec } from '../types.js';
import { add } from './add.js';
import { relu } from './relu.js';

export const ELEMENTWISE_RULES: readonly RuleSpec[] = [add, relu];
