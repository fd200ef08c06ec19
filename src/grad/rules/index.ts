/**
 * The built-in backward rules, one op per file. Each family list below is kept by the files it
 * names; a GradientSpec's `rules` replace entries of this table for one graph.
 */
import type { RuleSpec, VjpRule } from '../types.js';
import { ELEMENTWISE_RULES } from './elementwise.js';
import { LINEAR_RULES } from './linear.js';
import { SHAPE_RULES } from './shape.js';

const table = new Map<string, VjpRule>();
for (const rule of [...ELEMENTWISE_RULES, ...SHAPE_RULES, ...LINEAR_RULES] as RuleSpec[]) {
  if (table.has(rule.op)) throw new Error(`backward rule for ${rule.op} is declared twice`);
  table.set(rule.op, rule.vjp);
}

/** The built-in rule of `op`, if any. */
export function builtinRule(op: string): VjpRule | undefined {
  return table.get(op);
}

/** The ops with a built-in backward rule, sorted. */
export function supportedOps(): string[] {
  return [...table.keys()].sort();
}
