/**
 * The header of an `.npy` file on its own, so that datasets can stream their values into and
 * out of a file handle instead of holding the file's bytes beside the array. The header written
 * here is byte for byte the one `lib/io/npy.ts` writes (version 1.0, padded to 64 bytes).
 *
 * @module
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** What an `.npy` header says: dtype string, shape, and where the values start. */
export interface NpyHeader {
  /** NumPy dtype string, e.g. `<f4`. */
  descr: string;
  /** The dimensions. */
  shape: number[];
  /** Byte offset of the first value in the file. */
  dataOffset: number;
}

/**
 * Encodes an `.npy` version 1.0 header (magic, version, length, dictionary, padding).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { npyHeader } from "./_npy_header.ts";
 * equal(npyHeader("<f4", [3, 200, 2]).length % 64, 0);
 * ```
 */
export function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const bytes = new Uint8Array(10 + header.length);
  bytes.set([...MAGIC, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  return bytes;
}

/**
 * Reads the header at the start of an open `.npy` file (versions 1-3), leaving the file
 * position somewhere inside the header.
 *
 * @param file the open file, at any position
 * @param path the file's path, for error messages
 * @throws {SyntaxError} when the file is not an `.npy` file, is Fortran-ordered, or has a
 *   header this reader cannot parse
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { npyHeader, readNpyHeader } from "./_npy_header.ts";
 * const path = await Deno.makeTempFile({ suffix: ".npy" });
 * await Deno.writeFile(path, npyHeader("<i4", [5]));
 * using file = await Deno.open(path);
 * deepEqual((await readNpyHeader(file, path)).shape, [5]);
 * await Deno.remove(path);
 * ```
 */
export async function readNpyHeader(file: Deno.FsFile, path: string): Promise<NpyHeader> {
  await file.seek(0, Deno.SeekMode.Start);
  const lead = await readExactly(file, 12);
  if (!lead || MAGIC.some((byte, i) => lead[i] !== byte)) {
    throw new SyntaxError(`Cannot read .npy file "${path}": missing the \\x93NUMPY magic bytes`);
  }
  const view = new DataView(lead.buffer);
  const major = lead[6];
  const start = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  await file.seek(start, Deno.SeekMode.Start);
  const headerBytes = await readExactly(file, headerLength);
  const header = headerBytes ? new TextDecoder().decode(headerBytes) : "";
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined || /'fortran_order':\s*True/.test(header)) {
    throw new SyntaxError(
      `Cannot read .npy file "${path}": unsupported header ${
        JSON.stringify(header.trim())
      }; write it in C order (numpy.ascontiguousarray)`,
    );
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  return { descr, shape, dataOffset: start + headerLength };
}

/**
 * Fills `target` from the file's current position (a read may return fewer bytes than asked).
 *
 * @returns false when the file ends first
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { readInto } from "./_npy_header.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
 * using file = await Deno.open(path);
 * equal(await readInto(file, new Uint8Array(2)), true);
 * equal(await readInto(file, new Uint8Array(2)), false);
 * await Deno.remove(path);
 * ```
 */
export async function readInto(file: Deno.FsFile, target: Uint8Array): Promise<boolean> {
  let filled = 0;
  while (filled < target.length) {
    const read = await file.read(target.subarray(filled));
    if (read === null) return false;
    filled += read;
  }
  return true;
}

async function readExactly(file: Deno.FsFile, count: number): Promise<Uint8Array | null> {
  const bytes = new Uint8Array(count);
  return await readInto(file, bytes) ? bytes : null;
}
