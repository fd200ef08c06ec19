/** The linear, pooling and normalisation family of backward rules (one op per file; this list registers them). */
import type { RuleSpec } from '../types.js';
import { averagePool } from './average-pool.js';
import { batchNormalization } from './batch-normalization.js';
import { conv } from './conv.js';
import { gemm } from './gemm.js';
import { globalAveragePool } from './global-average-pool.js';
import { layerNormalization } from './layer-normalization.js';
import { logSoftmax } from './log-softmax.js';
import { matmul } from './matmul.js';
import { maxPool } from './max-pool.js';
import { reduceMean } from './reduce-mean.js';
import { reduceSum } from './reduce-sum.js';
import { softmax } from './softmax.js';

export const LINEAR_RULES: readonly RuleSpec[] = [conv, gemm, globalAveragePool, matmul, softmax, logSoftmax, reduceMean, reduceSum, batchNormalization, layerNormalization, averagePool, maxPool];
