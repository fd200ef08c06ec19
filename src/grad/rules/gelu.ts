/**
 * Gelu (opset 20). approximate 'none': y = x·Φ(x), so dy/dx = Φ(x) + x·φ(x) with
 * Φ(x) = ½(1 + erf(x/√2)) and φ(x) = e^(−x²/2)/√(2π). approximate 'tanh': y = ½x(1 + t) with
 * t = tanh(u), u = x·(c + c·k·x²), c = √(2/π), k = 0.044715, so
 * dy/dx = ½(1 + t) + ½x(1 − t²)·u' = ½(1 + t)·(1 + x(1 − t)·u') with u' = c + 3c·k·x².
 */
import type { GradEmitter, RuleSpec } from '../types.js';

const C = Math.sqrt(2 / Math.PI);
const K = 0.044715;

function exactSlope(emit: GradEmitter, x: string): string {
  const erf = emit.node('Erf', [emit.node('Mul', [x, emit.constant([Math.SQRT1_2])])]);
  const cdf = emit.node('Add', [emit.node('Mul', [erf, emit.constant([0.5])]), emit.constant([0.5])]);
  const halfSquare = emit.node('Mul', [x, emit.node('Mul', [x, emit.constant([-0.5])])]);
  const pdf = emit.node('Mul', [emit.node('Exp', [halfSquare]), emit.constant([1 / Math.sqrt(2 * Math.PI)])]);
  return emit.node('Add', [cdf, emit.node('Mul', [x, pdf])]);
}

function tanhSlope(emit: GradEmitter, x: string): string {
  const square = emit.node('Mul', [x, x]);
  const u = emit.node('Mul', [x, emit.node('Add', [emit.node('Mul', [square, emit.constant([C * K])]), emit.constant([C])])]);
  const t = emit.node('Tanh', [u]);
  const du = emit.node('Add', [emit.node('Mul', [square, emit.constant([3 * C * K])]), emit.constant([C])]);
  const inner = emit.node('Mul', [emit.node('Mul', [x, emit.node('Sub', [emit.constant([1]), t])]), du]);
  const half = emit.node('Add', [emit.node('Mul', [t, emit.constant([0.5])]), emit.constant([0.5])]);
  return emit.node('Mul', [half, emit.node('Add', [inner, emit.constant([1])])]);
}

export const gelu: RuleSpec = {
  op: 'Gelu',
  vjp: ({ inputs, grads, emit, attr }) => {
    const x = inputs[0]!;
    const slope = attr.string('approximate', 'none') === 'tanh' ? tanhSlope(emit, x) : exactSlope(emit, x);
    return [emit.node('Mul', [grads[0]!, slope])];
  },
};
