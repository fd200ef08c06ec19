/**
 * checkProvider: fails, as a session creation would, when an execution provider cannot start.
 *
 * A stage that writes files before it opens its first session (e.g. `neurons`, whose rates need
 * no model) calls this first, so asking for a device this machine lacks leaves nothing half
 * written. The CPU provider is part of every onnxruntime build and is not checked; any other opens
 * one session of a one-node model, once per process.
 */
import { GraphBuilder } from '../onnx/builder.js';
import { encodeModel } from '../onnx/codec.js';
import { ModelSession } from './session.js';
import type { SessionOptions } from './types.js';

const checked = new Map<string, Promise<void>>();

export function checkProvider(executionProvider: SessionOptions['executionProvider'] = 'cpu'): Promise<void> {
  if (executionProvider === 'cpu') return Promise.resolve();
  let check = checked.get(executionProvider);
  if (!check) {
    const graph = new GraphBuilder({ name: 'provider-check' });
    graph.output(graph.node('Identity', [graph.input('x', [1])], {}, { outputs: ['y'] }), [1]);
    check = ModelSession.create(encodeModel(graph.build()), { executionProvider, threads: 1 }).then((session) => session.close());
    // A failure is not kept: the provider may be installed before the next call.
    check.catch(() => checked.delete(executionProvider));
    checked.set(executionProvider, check);
  }
  return check;
}
