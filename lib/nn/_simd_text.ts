/**
 * Building blocks of the SIMD kernels' flat WebAssembly text (see `_wasm_assembler.ts`):
 * constants, a vectorised exp, lane sums, counted loops and local declarations.
 *
 * @module
 */

import type { WasmType } from "./_wasm_assembler.ts";

/** The instruction pushing `x` in all four lanes. */
export function splat(x: number): string {
  return `v128.const f32x4 ${x} ${x} ${x} ${x}`;
}

/**
 * Constants of exp, held in locals: V8 re-materialises a `v128.const` on every use inside a
 * loop, a local stays in a register or one load away.
 */
export const EXP_CONSTANTS: [string, number][] = [
  ["$cLog2e", Math.LOG2E],
  ["$cMax", 127],
  ["$cMin", -126],
  // 1.5 * 2^23 + 127: adding it rounds to an integer and leaves k + 127 in the low bits.
  ["$cMagic", 12582912 + 127],
  // 2^r on |r| <= 1/2, least-relative-error fit of degree 5 (max error 2.2e-7 in float32).
  ["$poly0", 1.0000001192092896],
  ["$poly1", 0.6931469440460205],
  ["$poly2", 0.24022121727466583],
  ["$poly3", 0.055507417768239975],
  ["$poly4", 0.009675461798906326],
  ["$poly5", 0.0013267219765111804],
];

export const EXP_PROLOGUE = EXP_CONSTANTS.map(([name, value]) =>
  `${splat(value)} local.set ${name}`
)
  .join("\n");

/**
 * exp of the v128 in local `v` (overwritten), left on the stack; uses locals $k and $r.
 * e^x = 2^(x log2 e) = 2^k 2^r with k = round(x log2 e) clamped to [-126, 127] and
 * |r| <= 1/2; 2^r by a degree-5 polynomial, 2^k built in the exponent bits. Relative error
 * ~2e-7 plus the float32 rounding of x log2 e (6e-8 |x log2 e|), as a float32 exp(x) has.
 */
export function exp4(v: string): string {
  return `
    local.get ${v} local.get $cLog2e f32x4.mul
    local.get $cMax f32x4.min local.get $cMin f32x4.max local.tee ${v}
    local.get $cMagic f32x4.add local.set $k
    local.get ${v} local.get $k local.get $cMagic f32x4.sub f32x4.sub local.set $r
    local.get $r local.get $poly5 f32x4.mul local.get $poly4 f32x4.add
    local.get $r f32x4.mul local.get $poly3 f32x4.add
    local.get $r f32x4.mul local.get $poly2 f32x4.add
    local.get $r f32x4.mul local.get $poly1 f32x4.add
    local.get $r f32x4.mul local.get $poly0 f32x4.add
    local.get $k i32.const 23 i32x4.shl
    f32x4.mul`;
}

/** Sum of the four lanes of local `v`, left on the stack as an f32. */
export function lanes(v: string): string {
  return `local.get ${v} f32x4.extract_lane 0 local.get ${v} f32x4.extract_lane 1 f32.add
    local.get ${v} f32x4.extract_lane 2 f32.add local.get ${v} f32x4.extract_lane 3 f32.add`;
}

/** `body` with `counter` = 0, step, 2 step, ... while below local `limit` (run at least once). */
export function repeat(counter: string, limit: string, step: number, body: string): string {
  return `i32.const 0 local.set ${counter}
    loop ${counter}_loop
      ${body}
      local.get ${counter} i32.const ${step} i32.add local.tee ${counter}
      local.get ${limit} i32.lt_s br_if ${counter}_loop
    end`;
}

/** Pushes the f32 at byte address base + offset (+ 4 index when given). */
export function loadScalar(base: string, offset: string, index?: string): string {
  const scaled = index ? `local.get ${index} i32.const 2 i32.shl i32.add` : "";
  return `local.get ${base} local.get ${offset} i32.add ${scaled} f32.load`;
}

/** Declarations of locals (or parameters) of one type. */
function typed(type: WasmType, names: string[]): [string, WasmType][] {
  return names.map((name): [string, WasmType] => [name, type]);
}

export function i32(...names: string[]): [string, WasmType][] {
  return typed("i32", names);
}

export function f32(...names: string[]): [string, WasmType][] {
  return typed("f32", names);
}

export function v128(...names: string[]): [string, WasmType][] {
  return typed("v128", names);
}
export const EXP_LOCALS = v128(...EXP_CONSTANTS.map(([name]) => name));

/** e = exp(-|v|) of local $v into $e, then the logistic sigmoid(v) into $sg. */
export const SIGMOID = `
  local.get $v f32x4.abs f32x4.neg local.set $e
  ${exp4("$e")} local.set $e
  ${splat(1)} ${splat(1)} local.get $e f32x4.add f32x4.div local.set $sg
  local.get $sg local.get $e local.get $sg f32x4.mul
  local.get $v ${splat(0)} f32x4.ge v128.bitselect local.set $sg`;
