/**
 * A small assembler from flat WebAssembly text (the stack form of WAT: one instruction after
 * another, named locals and labels, no folded expressions) to a module binary, for the SIMD
 * kernels of the nn library. It knows only the instructions those kernels use; an unknown one
 * is an error naming it. The module has one memory (exported as `memory`) and exports every
 * function by name.
 *
 * @module
 */

/** Value types of parameters, results and locals. */
export type WasmType = "i32" | "f32" | "v128";

/** One function: named parameters and locals, and a body in flat text form. */
export interface WasmFunction {
  name: string;
  params: [string, WasmType][];
  result?: WasmType;
  locals: [string, WasmType][];
  body: string;
}

const TYPE_CODES: Record<WasmType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

/** Instructions without immediates. */
const PLAIN: Record<string, number[]> = {
  "drop": [0x1a],
  "select": [0x1b],
  "else": [0x05],
  "return": [0x0f],
  "i32.eqz": [0x45],
  "i32.eq": [0x46],
  "i32.ne": [0x47],
  "i32.lt_s": [0x48],
  "i32.gt_s": [0x4a],
  "i32.ge_s": [0x4e],
  "i32.add": [0x6a],
  "i32.sub": [0x6b],
  "i32.mul": [0x6c],
  "i32.and": [0x71],
  "i32.shl": [0x74],
  "f32.abs": [0x8b],
  "f32.neg": [0x8c],
  "f32.add": [0x92],
  "f32.sub": [0x93],
  "f32.mul": [0x94],
  "f32.div": [0x95],
  "f32.max": [0x97],
  "memory.fill": [0xfc, 0x0b, 0x00],
};

/** SIMD instructions without immediates (0xfd prefix, LEB128 opcode). */
const SIMD: Record<string, number> = {
  "i32x4.splat": 0x11,
  "f32x4.splat": 0x13,
  "f32x4.ge": 0x46,
  "v128.and": 0x4e,
  "v128.bitselect": 0x52,
  "f32x4.nearest": 0x6a,
  "i32x4.shl": 0xab,
  "i32x4.add": 0xae,
  "f32x4.abs": 0xe0,
  "f32x4.neg": 0xe1,
  "f32x4.add": 0xe4,
  "f32x4.sub": 0xe5,
  "f32x4.mul": 0xe6,
  "f32x4.div": 0xe7,
  "f32x4.min": 0xe8,
  "f32x4.max": 0xe9,
  "i32x4.trunc_sat_f32x4_s": 0xf8,
};

/** Memory instructions: opcode bytes and log2 of the natural alignment. */
const MEMORY: Record<string, [number[], number]> = {
  "i32.load": [[0x28], 2],
  "f32.load": [[0x2a], 2],
  "f32.store": [[0x38], 2],
  "v128.load": [[0xfd, 0x00], 4],
  "v128.store": [[0xfd, 0x0b], 4],
};

function unsigned(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function signed(value: number): number[] {
  const bytes: number[] = [];
  while (true) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

function float32(value: number): number[] {
  return [...new Uint8Array(Float32Array.of(value).buffer)];
}

function vector(lanes: string, values: string[]): number[] {
  if (values.length !== 4 || (lanes !== "f32x4" && lanes !== "i32x4")) {
    throw new SyntaxError(
      `Cannot assemble v128.const: expected f32x4 or i32x4 and 4 values, got ${lanes} ` +
        `${values.join(" ")}`,
    );
  }
  const array = lanes === "f32x4"
    ? Float32Array.from(values, Number)
    : Int32Array.from(values, Number);
  return [...new Uint8Array(array.buffer)];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsigned(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsigned(bytes.length), ...bytes];
}

function assembleBody(fn: WasmFunction): number[] {
  const locals = new Map<string, number>();
  [...fn.params, ...fn.locals].forEach(([local], i) => locals.set(local, i));
  const tokens = fn.body.replace(/;;[^\n]*/g, " ").split(/\s+/).filter((t) => t !== "");
  const labels: string[] = [];
  const code: number[] = [];
  let i = 0;
  const fail = (problem: string): never => {
    throw new SyntaxError(`Cannot assemble function "${fn.name}": ${problem} at token ${i}`);
  };
  const next = (): string => (i < tokens.length ? tokens[i++] : fail("unexpected end"));
  const local = (): number[] => {
    const id = next();
    const index = locals.get(id);
    return index === undefined ? fail(`unknown local ${id}`) : unsigned(index);
  };
  while (i < tokens.length) {
    const op = next();
    if (op in PLAIN) code.push(...PLAIN[op]);
    else if (op in SIMD) code.push(0xfd, ...unsigned(SIMD[op]));
    else if (op in MEMORY) code.push(...MEMORY[op][0], MEMORY[op][1], 0);
    else if (op === "local.get") code.push(0x20, ...local());
    else if (op === "local.set") code.push(0x21, ...local());
    else if (op === "local.tee") code.push(0x22, ...local());
    else if (op === "i32.const") code.push(0x41, ...signed(Number(next())));
    else if (op === "f32.const") code.push(0x43, ...float32(Number(next())));
    else if (op === "v128.const") {
      const lanes = next();
      code.push(0xfd, 0x0c, ...vector(lanes, [next(), next(), next(), next()]));
    } else if (op === "f32x4.extract_lane") code.push(0xfd, 0x1f, Number(next()));
    else if (op === "block" || op === "loop" || op === "if") {
      const label = i < tokens.length && tokens[i].startsWith("$") ? next() : "";
      labels.push(label);
      code.push(op === "block" ? 0x02 : op === "loop" ? 0x03 : 0x04, 0x40);
    } else if (op === "end") {
      if (labels.pop() === undefined) fail("end without block");
      code.push(0x0b);
    } else if (op === "br" || op === "br_if") {
      const label = next();
      const depth = labels.length - 1 - labels.lastIndexOf(label);
      if (depth >= labels.length) fail(`unknown label ${label}`);
      code.push(op === "br" ? 0x0c : 0x0d, ...unsigned(depth));
    } else fail(`unknown instruction ${op}`);
  }
  if (labels.length > 0) fail(`${labels.length} unclosed blocks`);
  const declarations = fn.locals.map(([, type]) => [1, TYPE_CODES[type]]);
  const body = [...vec(declarations), ...code, 0x0b];
  return [...unsigned(body.length), ...body];
}

/** Options of {@linkcode assembleWasm}. */
export interface AssembleOptions {
  /**
   * When set, the memory is not defined but imported as `env.memory`, shared, with `pages`
   * initial and this many maximum pages: a `WebAssembly.Memory({shared: true})` that several
   * threads' instances of the module use at once. @default {undefined}
   */
  sharedMaximum?: number;
}

/**
 * Assembles `functions` into a module binary with one memory of `pages` 64 KiB pages.
 *
 * @throws {SyntaxError} naming the function and token of an unknown instruction, local or
 * label.
 */
export function assembleWasm(
  functions: WasmFunction[],
  pages: number,
  options: AssembleOptions = {},
): Uint8Array<ArrayBuffer> {
  const { sharedMaximum } = options;
  const types = functions.map((fn) => [
    0x60,
    ...vec(fn.params.map(([, type]) => [TYPE_CODES[type]])),
    ...vec(fn.result ? [[TYPE_CODES[fn.result]]] : []),
  ]);
  const exports = [
    [...name("memory"), 0x02, 0],
    ...functions.map((fn, index) => [...name(fn.name), 0x00, ...unsigned(index)]),
  ];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    // Limits flag 0x03: shared, with a maximum (required of shared memories).
    ...(sharedMaximum === undefined ? [] : section(
      2,
      vec([[
        ...name("env"),
        ...name("memory"),
        0x02,
        0x03,
        ...unsigned(pages),
        ...unsigned(sharedMaximum),
      ]]),
    )),
    ...section(3, vec(functions.map((_, index) => unsigned(index)))),
    ...(sharedMaximum === undefined ? section(5, vec([[0x00, ...unsigned(pages)]])) : []),
    ...section(7, vec(exports)),
    ...section(10, vec(functions.map(assembleBody))),
  ]);
}
