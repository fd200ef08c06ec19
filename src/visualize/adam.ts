/**
 * Adam (Kingma & Ba 2015) for gradient *ascent* on one parameter vector: per-parameter step sizes
 * from running first and second moments, so the 1/f-scaled spectrum's coefficients of very
 * different gradient magnitudes all move at a comparable rate.
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly rate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Moves `params` up the gradient `grad` (in place). */
  ascend(params: Float64Array, grad: Float64Array): void {
    this.t++;
    const { m, v, beta1, beta2 } = this;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      params[i]! += (this.rate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.epsilon);
    }
  }
}
