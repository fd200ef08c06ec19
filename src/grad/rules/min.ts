/** Min (elementwise, variadic, numpy broadcasting): the gradient goes to the input that won, ties split evenly (see max.ts). */
import type { RuleSpec } from '../types.js';
import { winnerTakesGradient } from './max.js';

export const min: RuleSpec = { op: 'Min', vjp: winnerTakesGradient };
