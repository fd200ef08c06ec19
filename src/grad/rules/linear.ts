/** The linear family of backward rules (one op per file; this list registers them). */
import type { RuleSpec } from '../types.js';

export const LINEAR_RULES: readonly RuleSpec[] = [];
