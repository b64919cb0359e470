/**
 * NumPy `.npy` files (format version 1.0): the way arrays leave this project, so that
 * `numpy.load` reads them without any code of ours. Little-endian, C order.
 *
 * @module
 */

/** Typed arrays that `.npy` files here hold, with their NumPy dtype strings. */
export type NpyArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const DTYPES: Record<string, string> = {
  Float32Array: "<f4",
  Float64Array: "<f8",
  Int32Array: "<i4",
  Uint8Array: "|u1",
};

/**
 * Encodes an array as `.npy` bytes.
 *
 * @param array the values, C order
 * @param shape the dimensions; their product must equal `array.length`
 * @throws {RangeError} when the shape does not fit the array
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * deepEqual(decodeNpy(bytes).shape, [2, 3]);
 * ```
 */
export function encodeNpy(array: NpyArray, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== array.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(
      `Cannot encode .npy: shape [${shape}] holds ${count} values, the array has ${array.length}`,
    );
  }
  const dtype = DTYPES[array.constructor.name];
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // The header is padded so the data starts on a 64-byte boundary (as NumPy writes it).
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const bytes = new Uint8Array(10 + header.length + array.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), 10 + header.length);
  return bytes;
}

/**
 * Decodes `.npy` bytes (versions 1-3, little-endian f4, f8, i4, u1, C order).
 *
 * @throws {SyntaxError} when the bytes are not an `.npy` file this reader supports
 */
export function decodeNpy(bytes: Uint8Array): { array: NpyArray; shape: number[] } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((byte, i) => bytes[i] !== byte)) {
    throw new SyntaxError("Cannot decode .npy: missing the \\x93NUMPY magic bytes");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined || fortran) {
    throw new SyntaxError(`Cannot decode .npy: unsupported header ${header.trim()}`);
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  const offset = start + headerLength;
  const data = bytes.slice(offset);
  const constructors: Record<string, new (buffer: ArrayBuffer) => NpyArray> = {
    "<f4": Float32Array,
    "<f8": Float64Array,
    "<i4": Int32Array,
    "|u1": Uint8Array,
  };
  const make = constructors[descr];
  if (!make) throw new SyntaxError(`Cannot decode .npy: unsupported dtype ${descr}`);
  // A truncated (or padded) file must not decode to an array that disagrees with its shape.
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * Number(descr.slice(2));
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || data.byteLength !== needed) {
    throw new SyntaxError(
      `Cannot decode .npy: shape [${shape}] of ${descr} needs ${needed} data bytes, got ${data.byteLength}`,
    );
  }
  return { array: new make(data.buffer), shape };
}
