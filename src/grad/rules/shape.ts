/** The shape family of backward rules (one op per file; this list registers them). */
import type { RuleSpec } from '../types.js';
import { flatten } from './flatten.js';

export const SHAPE_RULES: readonly RuleSpec[] = [flatten];
