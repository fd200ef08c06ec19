/**
 * Binary ONNX (protobuf) ⇄ plain ModelProto objects, using protobufjs with our own schema.
 * Decoding yields plain objects (arrays always present) so callers can edit graphs in place.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './schema.js';
import type { ModelProto, TensorProto } from './types.js';

const root = protobuf.parse(ONNX_PROTO, { keepCase: false }).root;
const ModelType = root.lookupType('onnx.ModelProto');
const TensorType = root.lookupType('onnx.TensorProto');

const TO_OBJECT: protobuf.IConversionOptions = { arrays: true, defaults: false };

/** Decode ONNX bytes. Throws the protobuf library's error for malformed input. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const message = ModelType.decode(bytes);
  return ModelType.toObject(message, TO_OBJECT) as ModelProto;
}

/** Encode a ModelProto (decoded or built) to ONNX bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  return ModelType.encode(model as protobuf.Message).finish();
}

/** Encode a single TensorProto (used to size and checksum tensors). */
export function encodeTensor(tensor: TensorProto): Uint8Array {
  return TensorType.encode(tensor as protobuf.Message).finish();
}
