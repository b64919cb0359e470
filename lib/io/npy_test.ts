import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import { decodeNpy, encodeNpy, type NpyArray } from "./npy.ts";

/** Whether `python3` with NumPy runs here; the cross-checks against NumPy skip otherwise. */
const hasNumpy: boolean = (() => {
  try {
    return new Deno.Command("python3", {
      args: ["-c", "import numpy"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false; // python3 not installed (or no permission to run it)
  }
})();

const encoder = new TextEncoder();

/** Builds `.npy` version 1.0 bytes around a hand-written header (padding added here). */
function npyWithHeader(header: string, data: Uint8Array = new Uint8Array()): Uint8Array {
  const padded = header + " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const bytes = new Uint8Array(10 + padded.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, padded.length, true);
  bytes.set(encoder.encode(padded), 10);
  bytes.set(data, 10 + padded.length);
  return bytes;
}

function headerOf(bytes: Uint8Array): string {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  return new TextDecoder().decode(bytes.subarray(10, 10 + length));
}

const SAMPLES: { name: string; make: (n: number) => NpyArray; descr: string }[] = [
  {
    name: "Float32Array",
    make: (n) => Float32Array.from({ length: n }, (_, i) => i * 1.5 - 3),
    descr: "<f4",
  },
  {
    name: "Float64Array",
    make: (n) => Float64Array.from({ length: n }, (_, i) => Math.PI * (i - 2) / 7),
    descr: "<f8",
  },
  {
    name: "Int32Array",
    make: (n) => Int32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (i * 1_000_003)),
    descr: "<i4",
  },
  {
    name: "Uint8Array",
    make: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256),
    descr: "|u1",
  },
];

const SHAPES: number[][] = [[7], [2, 3, 4], [0], [3, 0, 2], [], [1, 1]];

// ---------------------------------------------------------------------------------------------
// Round trips and layout
// ---------------------------------------------------------------------------------------------

for (const { name, make, descr } of SAMPLES) {
  Deno.test(`encodeNpy() and decodeNpy() round-trip a ${name} (${descr}) in 1-D, 3-D, empty and 0-d shapes`, () => {
    for (const shape of SHAPES) {
      const array = make(shape.reduce((a, b) => a * b, 1));
      const bytes = encodeNpy(array, shape);
      const decoded = decodeNpy(bytes);
      deepEqual(decoded.shape, shape, `shape [${shape}]`);
      equal(decoded.array.constructor, array.constructor, `type for shape [${shape}]`);
      deepEqual(decoded.array, array, `values for shape [${shape}]`);
      ok(headerOf(bytes).includes(`'descr': '${descr}'`), `descr for shape [${shape}]`);
    }
  });
}

Deno.test("encodeNpy() encodes a subarray view, not its whole buffer", () => {
  const whole = new Float64Array([1, 2, 3, 4, 5, 6]);
  const decoded = decodeNpy(encodeNpy(whole.subarray(2, 5), [3]));
  deepEqual(decoded.array, new Float64Array([3, 4, 5]));
});

Deno.test("decodeNpy() reads bytes that sit at an offset inside a larger buffer", () => {
  const bytes = encodeNpy(new Int32Array([7, -8, 9]), [3]);
  const framed = new Uint8Array(bytes.length + 5);
  framed.set(bytes, 3);
  deepEqual(decodeNpy(framed.subarray(3, 3 + bytes.length)).array, new Int32Array([7, -8, 9]));
});

Deno.test("encodeNpy() pads the header so the data starts at a multiple of 64 bytes", () => {
  for (const shape of [[1], [10], [2, 3], [123456, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8], []]) {
    const array = new Uint8Array(shape.reduce((a, b) => a * b, 1));
    const bytes = encodeNpy(array, shape);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    equal((10 + headerLength) % 64, 0, `data offset for shape [${shape}]`);
    equal(bytes.length, 10 + headerLength + array.length, `total size for shape [${shape}]`);
    ok(headerOf(bytes).endsWith("\n"), `header ends with a newline for shape [${shape}]`);
  }
});

Deno.test("encodeNpy() writes the exact NumPy 1.0 header for a float32 (2, 3) array", () => {
  const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  // Magic, version 1.0, header length 118 little-endian: 10 + 118 = 128 = 2 * 64.
  deepEqual([...bytes.subarray(0, 10)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  equal(dict.length, 59);
  // 10 + 59 + 58 spaces + 1 newline = 128.
  equal(headerOf(bytes), dict + " ".repeat(58) + "\n");
  equal(bytes.length, 128 + 6 * 4);
  deepEqual(new Float32Array(bytes.slice(128).buffer), new Float32Array([1, 2, 3, 4, 5, 6]));
});

Deno.test("encodeNpy() writes 1-D shapes with a trailing comma and 0-d shapes as ()", () => {
  ok(headerOf(encodeNpy(new Float64Array(5), [5])).includes("'shape': (5,), }"));
  ok(headerOf(encodeNpy(new Float64Array(1), [])).includes("'shape': (), }"));
});

Deno.test("encodeNpy() stores data little-endian", () => {
  const bytes = encodeNpy(new Int32Array([0x01020304]), [1]);
  deepEqual([...bytes.subarray(bytes.length - 4)], [4, 3, 2, 1]);
});

Deno.test("decodeNpy() reads version 2.0 files (4-byte header length)", () => {
  const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const padded = header + " ".repeat((64 - ((12 + header.length + 1) % 64)) % 64) + "\n";
  const data = new Uint8Array(new Float64Array([0.5, -2]).buffer);
  const bytes = new Uint8Array(12 + padded.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(bytes.buffer).setUint32(8, padded.length, true);
  bytes.set(encoder.encode(padded), 12);
  bytes.set(data, 12 + padded.length);
  const decoded = decodeNpy(bytes);
  deepEqual(decoded.shape, [2]);
  deepEqual(decoded.array, new Float64Array([0.5, -2]));
});

Deno.test("decodeNpy() accepts the key order and spacing NumPy may write", () => {
  const data = new Uint8Array(new Int32Array([1, 2]).buffer);
  const bytes = npyWithHeader("{'shape':(1,2),'fortran_order':False,'descr':'<i4'}", data);
  const decoded = decodeNpy(bytes);
  deepEqual(decoded.shape, [1, 2]);
  deepEqual(decoded.array, new Int32Array([1, 2]));
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

Deno.test("encodeNpy() throws when the shape does not fit the array", () => {
  throws(() => encodeNpy(new Float32Array(6), [2, 2]), {
    name: "RangeError",
    message: "Cannot encode .npy: shape [2,2] holds 4 values, the array has 6",
  });
  throws(() => encodeNpy(new Float32Array(0), [-1, 0]), {
    name: "RangeError",
    message: "Cannot encode .npy: shape [-1,0] holds 0 values, the array has 0",
  });
  throws(() => encodeNpy(new Float32Array(3), [1.5, 2]), {
    name: "RangeError",
    message: "Cannot encode .npy: shape [1.5,2] holds 3 values, the array has 3",
  });
});

Deno.test("decodeNpy() throws when the magic bytes are wrong or the file is too short", () => {
  const good = encodeNpy(new Float32Array([1]), [1]);
  const bad = good.slice();
  bad[1] = "X".charCodeAt(0);
  for (const bytes of [bad, good.subarray(0, 9), new Uint8Array(), encoder.encode("NUMPY")]) {
    throws(() => decodeNpy(bytes), {
      name: "SyntaxError",
      message: "Cannot decode .npy: missing the \\x93NUMPY magic bytes",
    });
  }
});

Deno.test("decodeNpy() throws when the array is in Fortran order", () => {
  const header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
  throws(() => decodeNpy(npyWithHeader(header, new Uint8Array(24))), {
    name: "SyntaxError",
    message: `Cannot decode .npy: unsupported header ${header}`,
  });
});

Deno.test("decodeNpy() throws when the header lacks descr or shape", () => {
  for (const header of ["{'fortran_order': False, 'shape': (2,), }", "{'descr': '<f4', }"]) {
    throws(() => decodeNpy(npyWithHeader(header)), {
      name: "SyntaxError",
      message: `Cannot decode .npy: unsupported header ${header}`,
    });
  }
});

Deno.test("decodeNpy() throws when the dtype is unknown or big-endian", () => {
  for (const descr of ["<i8", ">f4", "<U3", "|b1"]) {
    const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`;
    throws(() => decodeNpy(npyWithHeader(header, new Uint8Array(8))), {
      name: "SyntaxError",
      message: `Cannot decode .npy: unsupported dtype ${descr}`,
    });
  }
});

Deno.test("decodeNpy() throws when the data is shorter or longer than the shape needs", () => {
  const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  // Truncated by a whole element, by part of one, and with a stray trailing byte.
  for (const [data, got] of [[bytes.subarray(0, -4), 20], [bytes.subarray(0, -3), 21]]) {
    throws(() => decodeNpy(data as Uint8Array), {
      name: "SyntaxError",
      message: `Cannot decode .npy: shape [2,3] of <f4 needs 24 data bytes, got ${got}`,
    });
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  throws(() => decodeNpy(longer), {
    name: "SyntaxError",
    message: "Cannot decode .npy: shape [2,3] of <f4 needs 24 data bytes, got 25",
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-checks against NumPy (skipped where python3 with NumPy is missing)
// ---------------------------------------------------------------------------------------------

const NUMPY_CASES: { file: string; array: NpyArray; shape: number[]; dtype: string }[] = [
  {
    file: "f4.npy",
    array: new Float32Array([1.5, -2.25, 0, 3e-8, 1e30, -7]),
    shape: [2, 3],
    dtype: "<f4",
  },
  { file: "f8.npy", array: new Float64Array([Math.PI, -Math.E, 1e-300]), shape: [3], dtype: "<f8" },
  {
    file: "i4.npy",
    array: new Int32Array([2 ** 31 - 1, -(2 ** 31), 0, 5]),
    shape: [2, 1, 2],
    dtype: "<i4",
  },
  { file: "u1.npy", array: new Uint8Array([0, 255, 128]), shape: [3, 1], dtype: "|u1" },
  { file: "empty.npy", array: new Float64Array(0), shape: [4, 0], dtype: "<f8" },
];

Deno.test({
  name: "encodeNpy() writes files that numpy.load reads with the same shape, dtype and values",
  ignore: !hasNumpy,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "npy_test_" });
    try {
      for (const { file, array, shape } of NUMPY_CASES) {
        await Deno.writeFile(join(dir, file), encodeNpy(array, shape));
      }
      const script = [
        "import json, sys, numpy",
        "out = {}",
        "for name in sys.argv[2:]:",
        "    a = numpy.load(sys.argv[1] + '/' + name, allow_pickle=False)",
        "    out[name] = {'shape': list(a.shape), 'dtype': a.dtype.str,",
        "                 'c_order': bool(a.flags.c_contiguous),",
        "                 'values': [float(v) for v in a.ravel(order='C')]}",
        "print(json.dumps(out))",
      ].join("\n");
      const { success, stdout, stderr } = await new Deno.Command("python3", {
        args: ["-c", script, dir, ...NUMPY_CASES.map((c) => c.file)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      ok(success, new TextDecoder().decode(stderr));
      const loaded = JSON.parse(new TextDecoder().decode(stdout));
      for (const { file, array, shape, dtype } of NUMPY_CASES) {
        deepEqual(loaded[file].shape, shape, `${file} shape`);
        equal(loaded[file].dtype, dtype, `${file} dtype`);
        equal(loaded[file].c_order, true, `${file} order`);
        // Python floats are doubles: float32 values widen exactly, so compare exactly.
        deepEqual(loaded[file].values, [...array], `${file} values`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "decodeNpy() reads files that numpy.save writes",
  ignore: !hasNumpy,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "npy_test_" });
    try {
      const script = [
        "import sys, numpy",
        "d = sys.argv[1]",
        "numpy.save(d + '/f4.npy', numpy.array([[1.5, -2.25, 0], [3e-8, 1e30, -7]], '<f4'))",
        "numpy.save(d + '/f8.npy', numpy.arange(5, dtype='<f8') / 4)",
        "numpy.save(d + '/i4.npy', numpy.arange(24, dtype='<i4').reshape(2, 3, 4) - 12)",
        "numpy.save(d + '/u1.npy', numpy.array([0, 255, 128], 'u1'))",
        "numpy.save(d + '/empty.npy', numpy.zeros((0, 3), '<f4'))",
      ].join("\n");
      const { success, stderr } = await new Deno.Command("python3", {
        args: ["-c", script, dir],
        stderr: "piped",
      }).output();
      ok(success, new TextDecoder().decode(stderr));
      const read = async (file: string) => decodeNpy(await Deno.readFile(join(dir, file)));
      deepEqual(await read("f4.npy"), {
        array: new Float32Array([1.5, -2.25, 0, 3e-8, 1e30, -7]),
        shape: [2, 3],
      });
      deepEqual(await read("f8.npy"), {
        array: new Float64Array([0, 0.25, 0.5, 0.75, 1]),
        shape: [5],
      });
      deepEqual(await read("i4.npy"), {
        array: Int32Array.from({ length: 24 }, (_, i) => i - 12),
        shape: [2, 3, 4],
      });
      deepEqual(await read("u1.npy"), { array: new Uint8Array([0, 255, 128]), shape: [3] });
      deepEqual(await read("empty.npy"), { array: new Float32Array(0), shape: [0, 3] });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
