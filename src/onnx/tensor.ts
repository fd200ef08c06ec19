/** Creating TensorProtos from typed arrays and reading their values back. */
import { DATA_TYPE, int64ToNumber, type TensorProto } from './types.js';

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

function dataTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return DATA_TYPE.float32;
  if (data instanceof Float64Array) return DATA_TYPE.float64;
  if (data instanceof Int32Array) return DATA_TYPE.int32;
  if (data instanceof BigInt64Array) return DATA_TYPE.int64;
  return DATA_TYPE.uint8;
}

/** A TensorProto holding `data` as little-endian raw_data (the compact form exporters use). */
export function makeTensor(name: string, data: TensorData, dims: readonly number[]): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`makeTensor(${name}): dims [${dims.join(',')}] hold ${count} values, data has ${data.length}`);
  }
  return {
    name,
    dims: [...dims],
    dataType: dataTypeOf(data),
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

export function tensorDims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map(int64ToNumber);
}

function rawView(tensor: TensorProto): DataView | undefined {
  const raw = tensor.rawData;
  if (!raw || raw.byteLength === 0) return undefined;
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Values of a float32/float64/float16-free tensor as numbers (float, int32 and int64 types). */
export function tensorValues(tensor: TensorProto): number[] {
  const view = rawView(tensor);
  const type = tensor.dataType ?? 0;
  if (view) {
    const out: number[] = [];
    if (type === DATA_TYPE.float32) for (let i = 0; i < view.byteLength; i += 4) out.push(view.getFloat32(i, true));
    else if (type === DATA_TYPE.float64) for (let i = 0; i < view.byteLength; i += 8) out.push(view.getFloat64(i, true));
    else if (type === DATA_TYPE.int32) for (let i = 0; i < view.byteLength; i += 4) out.push(view.getInt32(i, true));
    else if (type === DATA_TYPE.int64) for (let i = 0; i < view.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true)));
    else if (type === DATA_TYPE.uint8 || type === DATA_TYPE.bool) for (let i = 0; i < view.byteLength; i++) out.push(view.getUint8(i));
    else if (type === DATA_TYPE.int8) for (let i = 0; i < view.byteLength; i++) out.push(view.getInt8(i));
    else throw new Error(`tensorValues: unsupported data type ${type} in ${tensor.name}`);
    return out;
  }
  if (type === DATA_TYPE.float32) return [...(tensor.floatData ?? [])];
  if (type === DATA_TYPE.float64) return [...(tensor.doubleData ?? [])];
  if (type === DATA_TYPE.int64) return (tensor.int64Data ?? []).map(int64ToNumber);
  return [...(tensor.int32Data ?? [])];
}

/** A float32 tensor's values as a Float32Array. */
export function tensorFloat32(tensor: TensorProto): Float32Array {
  const raw = tensor.rawData;
  if (tensor.dataType === DATA_TYPE.float32 && raw && raw.byteLength > 0) {
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return Float32Array.from(tensorValues(tensor));
}
