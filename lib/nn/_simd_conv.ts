/**
 * The depthwise causal convolution of a Mamba layer with its SiLU, forward and backward, as
 * WebAssembly SIMD text: four channels per instruction (E must be a multiple of 4).
 *
 * @module
 */

import type { WasmFunction } from "./_wasm_assembler.ts";
import { EXP_LOCALS, EXP_PROLOGUE, i32, repeat, SIGMOID, splat, v128 } from "./_simd_text.ts";

/** Pushes 1 when source time $src lies in 0..L-1. */
const SOURCE_INSIDE =
  `local.get $src i32.const 0 i32.ge_s local.get $src local.get $L i32.lt_s i32.and`;

/** $src = t + dir (K - 1 - j), the input step tap j of output step t reads. */
const SOURCE = `local.get $t local.get $dir local.get $K i32.const 1 i32.sub local.get $j i32.sub
  i32.mul i32.add local.set $src`;

export const CONV_FUNCTIONS: WasmFunction[] = [
  {
    // Depthwise convolution over time of the x half of xz (rows of 2E), kernel (K, E), bias,
    // then SiLU: xc = silu(pre), slope = silu'(pre). Causal, or anti-causal when reversed.
    name: "conv_silu",
    params: i32("$xz", "$w", "$bias", "$xc", "$slope", "$B", "$L", "$E", "$K", "$reverse"),
    locals: [
      ...i32("$b", "$t", "$c", "$j", "$src", "$row", "$E4", "$E8", "$dir"),
      ...v128("$v", "$e", "$sg", "$k", "$r"),
      ...EXP_LOCALS,
    ],
    body: `
      ${EXP_PROLOGUE}
      local.get $E i32.const 2 i32.shl local.tee $E4 i32.const 1 i32.shl local.set $E8
      i32.const 1 i32.const -1 local.get $reverse select local.set $dir
      ${
      repeat(
        "$b",
        "$B",
        1,
        repeat(
          "$t",
          "$L",
          1,
          `
        local.get $b local.get $L i32.mul local.get $t i32.add local.get $E4 i32.mul local.set $row
        ${
            repeat(
              "$c",
              "$E4",
              16,
              `
          local.get $bias local.get $c i32.add v128.load local.set $v
          ${
                repeat(
                  "$j",
                  "$K",
                  1,
                  `
            ${SOURCE}
            ${SOURCE_INSIDE}
            if
              local.get $v
              local.get $w local.get $j local.get $E4 i32.mul i32.add local.get $c i32.add v128.load
              local.get $xz local.get $b local.get $L i32.mul local.get $src i32.add
              local.get $E8 i32.mul i32.add local.get $c i32.add v128.load
              f32x4.mul f32x4.add local.set $v
            end`,
                )
              }
          ${SIGMOID}
          local.get $xc local.get $row i32.add local.get $c i32.add
          local.get $v local.get $sg f32x4.mul v128.store
          local.get $slope local.get $row i32.add local.get $c i32.add
          local.get $sg ${splat(1)} local.get $v ${splat(1)} local.get $sg f32x4.sub f32x4.mul
          f32x4.add f32x4.mul v128.store`,
            )
          }`,
        ),
      )
    }`,
  },
  {
    // Backward of conv_silu given dL/dxc: dL/dx accumulates into the x half of gxz (zeroed
    // by the caller), kernel and bias gradients into gw and gbias.
    name: "conv_silu_backward",
    params: i32(
      "$xz",
      "$w",
      "$gxc",
      "$slope",
      "$gxz",
      "$gw",
      "$gbias",
      "$B",
      "$L",
      "$E",
      "$K",
      "$reverse",
    ),
    locals: [
      ...i32("$b", "$t", "$c", "$j", "$src", "$row", "$E4", "$E8", "$dir", "$at", "$tap"),
      ...v128("$gp"),
    ],
    body: `
      local.get $E i32.const 2 i32.shl local.tee $E4 i32.const 1 i32.shl local.set $E8
      i32.const 1 i32.const -1 local.get $reverse select local.set $dir
      ${
      repeat(
        "$b",
        "$B",
        1,
        repeat(
          "$t",
          "$L",
          1,
          `
        local.get $b local.get $L i32.mul local.get $t i32.add local.get $E4 i32.mul local.set $row
        ${
            repeat(
              "$c",
              "$E4",
              16,
              `
          local.get $gxc local.get $row i32.add local.get $c i32.add v128.load
          local.get $slope local.get $row i32.add local.get $c i32.add v128.load
          f32x4.mul local.set $gp
          local.get $gbias local.get $c i32.add
          local.get $gbias local.get $c i32.add v128.load local.get $gp f32x4.add v128.store
          ${
                repeat(
                  "$j",
                  "$K",
                  1,
                  `
            ${SOURCE}
            ${SOURCE_INSIDE}
            if
              local.get $b local.get $L i32.mul local.get $src i32.add local.get $E8 i32.mul
              local.get $c i32.add local.set $at
              local.get $w local.get $j local.get $E4 i32.mul i32.add local.get $c i32.add
              local.set $tap
              local.get $gxz local.get $at i32.add
              local.get $gxz local.get $at i32.add v128.load
              local.get $tap v128.load local.get $gp f32x4.mul f32x4.add v128.store
              local.get $gw local.get $tap i32.add local.get $w i32.sub
              local.get $gw local.get $tap i32.add local.get $w i32.sub v128.load
              local.get $xz local.get $at i32.add v128.load local.get $gp f32x4.mul f32x4.add
              v128.store
            end`,
                )
              }`,
            )
          }`,
        ),
      )
    }`,
  },
];
