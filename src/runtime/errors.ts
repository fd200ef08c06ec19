/**
 * Turning onnxruntime's messages (often multi-line, sometimes cryptic) into one-line
 * NeurolensErrors that say what to change. Unknown messages pass through, flattened to one line.
 */
import { NeurolensError } from '../errors.js';
import { runtimeMessages } from '../messages/runtime.js';
import type { ModelProto } from '../onnx/types.js';
import type { TensorLike, ValueMetadata } from './types.js';

/** onnxruntime's text on one line, without its status-code prefixes, at most ~400 characters. */
export function oneLine(text: string): string {
  const flat = text
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*/g, '')
    // Source locations and C++ signatures say nothing to a user.
    .replace(/\/onnxruntime_src\/\S+:\d+\s*/g, '')
    .replace(/\b[\w:<>*&]+ onnxruntime::[\w:<>]+\([^)]*\)( const)?\s*/g, '')
    .replace(/Non-zero status code returned while running (\w+) node\. Name:'([^']*)' Status Message:\s*/, "node '$2' ($1) failed: ")
    .replace(/\S+ == \S+ \|\| \S+ == \S+ was false\.\s*/g, '')
    .replace(/Attempting to broadcast an axis by a dimension other than 1\. (\d+) by (\d+)/, 'cannot broadcast a dim of $1 against $2')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}

/**
 * Finds the name of the first node running `opType` in `domain` ('' for the standard domain), for
 * messages where onnxruntime names the op but not the node.
 */
export type NodeLookup = (opType: string, domain: string) => string | undefined;

/** A NodeLookup over a decoded model's top-level nodes. */
export function nodeLookup(model: ModelProto): NodeLookup {
  return (opType, domain) => (model.graph?.node ?? []).find((n) => n.opType === opType && (n.domain ?? '') === domain)?.name ?? undefined;
}

export function createError(raw: string, version: string, provider: 'cpu' | 'cuda', cudaMissing = false, findNode?: NodeLookup): NeurolensError {
  const text = oneLine(raw);
  if (cudaMissing) return new NeurolensError('runtime', runtimeMessages.cudaNotBuilt(`${process.platform}/${process.arch}`));
  const op = unsupportedOp(text);
  if (op) {
    const node = op.node ?? findNode?.(op.type, op.domain);
    const name = op.domain === '' ? op.type : `${op.domain}:${op.type}`;
    return new NeurolensError('runtime', op.unimported ? runtimeMessages.domainNotImported(name, node, op.domain) : runtimeMessages.opUnsupported(name, node, version));
  }
  if (/protobuf parsing failed/i.test(text)) return new NeurolensError('runtime', runtimeMessages.modelNotOnnx());
  if (provider === 'cuda' && /cuda|cudnn|shared library|providers_shared/i.test(text)) {
    return new NeurolensError('runtime', runtimeMessages.cudaUnavailable(text));
  }
  const invalid = /This is an invalid model\.?\s*(.*)$/i.exec(text);
  if (invalid) return new NeurolensError('runtime', runtimeMessages.modelInvalid(invalid[1] || text));
  return new NeurolensError('runtime', runtimeMessages.createFailed(text));
}

interface UnsupportedOp {
  type: string;
  /** '' for the standard ONNX domain. */
  domain: string;
  node?: string;
  /** The model uses the domain without importing it (no opset_import entry). */
  unimported?: boolean;
}

function unsupportedOp(text: string): UnsupportedOp | undefined {
  // "com.example:NoSuchOp(-1) is not a registered function/op"
  let m = /([\w.]*):(\w+)\(-?\d+\) is not a registered function\/op/.exec(text);
  if (m) return { type: m[2]!, domain: m[1] ?? '' };
  // 'In Node, ("bad", NoSuchOp, "", -1) : ... No Op registered for NoSuchOp with domain_version of 17'
  const inNode = /In Node, \("([^"]*)", (\w+), "([^"]*)"/.exec(text);
  const node = inNode?.[1] || undefined;
  m = /No Op registered for (\w+) with domain_version/.exec(text);
  if (m) return { type: m[1]!, domain: inNode?.[3] ?? '', node };
  // 'In Node, ("bad", FancyAct, "com.example", -1) : ... Error No opset import for domain 'com.example''
  m = /No opset import for domain '([^']*)'/.exec(text);
  if (m && inNode) return { type: inNode[2]!, domain: m[1]!, node, unimported: true };
  // "Could not find an implementation for Foo(13) node with name 'bar'"
  m = /Could not find an implementation for (\w+)\(\d+\) node with name '([^']*)'/.exec(text);
  if (m) return { type: m[1]!, domain: '', node: m[2] || undefined };
  return undefined;
}

export function runError(raw: string, inputs: readonly ValueMetadata[], feeds: Record<string, TensorLike | { dims: number[] }>): NeurolensError {
  const text = oneLine(raw);
  const expected = (name: string) => inputs.find((m) => m.name === name)?.shape;
  const rank = /Invalid rank for input: (\S+) Got: (\d+) Expected: (\d+)/.exec(text);
  if (rank) {
    const name = rank[1]!;
    return new NeurolensError('runtime', runtimeMessages.feedRank(name, Number(rank[2]), expected(name), feeds[name]?.dims));
  }
  const dims = /Got invalid dimensions for input: (\S+) for the following indices (.*?)(?: Please fix.*)?$/.exec(text);
  if (dims) {
    const name = dims[1]!;
    const detail = dims[2]!.replace(/index: (\d+) Got: (\d+) Expected: (\d+)/g, 'dim $1: got $2, expected $3').replace(/ (?=dim \d)/g, '; ');
    return new NeurolensError('runtime', runtimeMessages.feedDims(name, feeds[name]?.dims, expected(name), detail.trim()));
  }
  return new NeurolensError('runtime', runtimeMessages.runFailed(text));
}
