/**
 * The selective scan's forward and backward loops as WebAssembly SIMD text: four states n per
 * instruction (N must be a multiple of 4), one (sequence, channel) at a time in the backward
 * pass with the forward recursion recomputed into L x N scratch, as in
 * `_selective_scan_kernels.ts`.
 *
 * @module
 */

import type { WasmFunction } from "./_wasm_assembler.ts";
import {
  exp4,
  EXP_LOCALS,
  EXP_PROLOGUE,
  f32,
  i32,
  lanes,
  loadScalar,
  repeat,
  v128,
} from "./_simd_text.ts";

/** Row pointers of one backward step from $rowN and $pS. */
const ROW_POINTERS = `
  local.get $Bm local.get $rowN i32.add local.set $pB
  local.get $Cm local.get $rowN i32.add local.set $pC
  local.get $decay local.get $pS i32.add local.set $pDe
  local.get $state local.get $pS i32.add local.tee $pSt
  local.get $N4 i32.add local.set $pSt1`;

export const SCAN_FUNCTIONS: WasmFunction[] = [
  {
    // y = scan(x, dt, A, Bm, Cm, D) [* gate], dt already positive; h is E x N scratch.
    name: "scan_forward",
    params: i32(
      "$x",
      "$dt",
      "$A",
      "$Bm",
      "$Cm",
      "$D",
      "$gate",
      "$y",
      "$h",
      "$B",
      "$L",
      "$E",
      "$N",
      "$reverse",
      "$hasGate",
    ),
    locals: [
      ...i32("$b", "$s", "$t", "$c", "$n", "$row", "$rowE", "$rowN", "$pA", "$pH", "$N4"),
      ...i32("$pB", "$pC"),
      ...f32("$dtv", "$xv", "$yv"),
      ...v128("$vdt", "$vdtx", "$acc", "$a", "$hv", "$k", "$r"),
      ...EXP_LOCALS,
    ],
    body: `
      ${EXP_PROLOGUE}
      local.get $N i32.const 2 i32.shl local.set $N4
      ${
      repeat(
        "$b",
        "$B",
        1,
        `
        local.get $h i32.const 0 local.get $E local.get $N4 i32.mul memory.fill
        ${
          repeat(
            "$s",
            "$L",
            1,
            `
          local.get $L i32.const 1 i32.sub local.get $s i32.sub local.get $s local.get $reverse
          select local.set $t
          local.get $b local.get $L i32.mul local.get $t i32.add local.tee $row
          local.get $E i32.mul i32.const 2 i32.shl local.set $rowE
          local.get $row local.get $N4 i32.mul local.tee $rowN
          local.get $Bm i32.add local.set $pB
          local.get $Cm local.get $rowN i32.add local.set $pC
          local.get $A local.set $pA
          local.get $h local.set $pH
          ${
              repeat(
                "$c",
                "$E",
                1,
                `
            ${loadScalar("$dt", "$rowE", "$c")} local.tee $dtv f32x4.splat local.set $vdt
            ${loadScalar("$x", "$rowE", "$c")} local.tee $xv local.get $dtv f32.mul
            f32x4.splat local.set $vdtx
            v128.const i32x4 0 0 0 0 local.set $acc
            ${
                  repeat(
                    "$n",
                    "$N4",
                    16,
                    `
              local.get $vdt local.get $pA local.get $n i32.add v128.load f32x4.mul local.set $a
              ${exp4("$a")} local.set $a
              local.get $a local.get $pH local.get $n i32.add v128.load f32x4.mul
              local.get $vdtx local.get $pB local.get $n i32.add v128.load f32x4.mul f32x4.add
              local.set $hv
              local.get $pH local.get $n i32.add local.get $hv v128.store
              local.get $acc local.get $pC local.get $n i32.add v128.load local.get $hv f32x4.mul
              f32x4.add local.set $acc`,
                  )
                }
            ${lanes("$acc")}
            local.get $D local.get $c i32.const 2 i32.shl i32.add f32.load local.get $xv f32.mul
            f32.add local.set $yv
            local.get $hasGate
            if
              local.get $yv ${loadScalar("$gate", "$rowE", "$c")} f32.mul local.set $yv
            end
            local.get $y local.get $rowE i32.add local.get $c i32.const 2 i32.shl i32.add
            local.get $yv f32.store
            local.get $pA local.get $N4 i32.add local.set $pA
            local.get $pH local.get $N4 i32.add local.set $pH`,
              )
            }`,
          )
        }`,
      )
    }`,
  },
  {
    // Gradients; gBm, gCm, gA, gD, gBias accumulate (zeroed by the caller). Scratch:
    // decay L x N, state (L + 1) x N, carry N, yOf L.
    name: "scan_backward",
    params: i32(
      "$x",
      "$dt",
      "$slope",
      "$A",
      "$Bm",
      "$Cm",
      "$D",
      "$gate",
      "$gateSlope",
      "$dy",
      "$gx",
      "$gDelta",
      "$gz",
      "$gBm",
      "$gCm",
      "$gA",
      "$gD",
      "$gBias",
      "$decay",
      "$state",
      "$carry",
      "$yOf",
      "$B",
      "$L",
      "$E",
      "$N",
      "$reverse",
      "$hasGate",
    ),
    locals: [
      ...i32("$b", "$s", "$t", "$c", "$n", "$i", "$rowN", "$pA", "$pG", "$pS", "$pD", "$N4"),
      ...i32("$c4", "$pB", "$pC", "$pGB", "$pGC", "$pDe", "$pSt", "$pSt1"),
      ...f32("$dtv", "$xv", "$g", "$gDc", "$gBc", "$sumInput", "$gRaw"),
      ...v128("$vdt", "$vdtx", "$vg", "$acc", "$a", "$hv", "$gh", "$gaa", "$sd", "$si"),
      ...v128("$k", "$r"),
      ...EXP_LOCALS,
    ],
    body: `
      ${EXP_PROLOGUE}
      local.get $N i32.const 2 i32.shl local.set $N4
      ${
      repeat(
        "$b",
        "$B",
        1,
        `
        ${
          repeat(
            "$c",
            "$E",
            1,
            `
          local.get $c i32.const 2 i32.shl local.set $c4
          local.get $A local.get $c local.get $N4 i32.mul i32.add local.set $pA
          local.get $gA local.get $c local.get $N4 i32.mul i32.add local.set $pG
          local.get $state i32.const 0 local.get $N4 memory.fill
          ${
              repeat(
                "$s",
                "$L",
                1,
                `
            local.get $L i32.const 1 i32.sub local.get $s i32.sub local.get $s local.get $reverse
            select local.set $t
            local.get $b local.get $L i32.mul local.get $t i32.add local.tee $i
            local.get $N4 i32.mul local.set $rowN
            local.get $i local.get $E i32.mul i32.const 2 i32.shl local.get $c4 i32.add local.set $i
            local.get $dt local.get $i i32.add f32.load local.tee $dtv f32x4.splat local.set $vdt
            local.get $x local.get $i i32.add f32.load local.tee $xv local.get $dtv f32.mul
            f32x4.splat local.set $vdtx
            local.get $s local.get $N4 i32.mul local.set $pS
            ${ROW_POINTERS}
            v128.const i32x4 0 0 0 0 local.set $acc
            ${
                  repeat(
                    "$n",
                    "$N4",
                    16,
                    `
              local.get $vdt local.get $pA local.get $n i32.add v128.load f32x4.mul local.set $a
              ${exp4("$a")} local.set $a
              local.get $pDe local.get $n i32.add local.get $a v128.store
              local.get $a local.get $pSt local.get $n i32.add v128.load f32x4.mul
              local.get $vdtx local.get $pB local.get $n i32.add v128.load f32x4.mul f32x4.add
              local.set $hv
              local.get $pSt1 local.get $n i32.add local.get $hv v128.store
              local.get $acc local.get $pC local.get $n i32.add v128.load local.get $hv f32x4.mul
              f32x4.add local.set $acc`,
                  )
                }
            local.get $yOf local.get $s i32.const 2 i32.shl i32.add
            ${lanes("$acc")}
            local.get $D local.get $c4 i32.add f32.load local.get $xv f32.mul f32.add f32.store`,
              )
            }
          local.get $carry i32.const 0 local.get $N4 memory.fill
          f32.const 0 local.set $gDc
          f32.const 0 local.set $gBc
          ${
              repeat(
                "$s",
                "$L",
                1,
                `
            ;; walk the scan backwards: step L - 1 - s of the scan order
            local.get $L i32.const 1 i32.sub local.get $s i32.sub local.set $pD
            local.get $s local.get $pD local.get $reverse select local.set $t
            local.get $b local.get $L i32.mul local.get $t i32.add local.tee $i
            local.get $N4 i32.mul local.set $rowN
            local.get $i local.get $E i32.mul i32.const 2 i32.shl local.get $c4 i32.add local.set $i
            local.get $pD local.get $N4 i32.mul local.set $pS
            ${ROW_POINTERS}
            local.get $gBm local.get $rowN i32.add local.set $pGB
            local.get $gCm local.get $rowN i32.add local.set $pGC
            local.get $dy local.get $i i32.add f32.load local.set $g
            local.get $hasGate
            if
              local.get $gz local.get $i i32.add
              local.get $g local.get $yOf local.get $pD i32.const 2 i32.shl i32.add f32.load f32.mul
              local.get $gateSlope local.get $i i32.add f32.load f32.mul f32.store
              local.get $g local.get $gate local.get $i i32.add f32.load f32.mul local.set $g
            end
            local.get $x local.get $i i32.add f32.load local.set $xv
            local.get $dt local.get $i i32.add f32.load local.tee $dtv f32x4.splat local.set $vdt
            local.get $dtv local.get $xv f32.mul f32x4.splat local.set $vdtx
            local.get $g f32x4.splat local.set $vg
            local.get $gDc local.get $g local.get $xv f32.mul f32.add local.set $gDc
            v128.const i32x4 0 0 0 0 local.set $sd
            v128.const i32x4 0 0 0 0 local.set $si
            ${
                  repeat(
                    "$n",
                    "$N4",
                    16,
                    `
              local.get $pC local.get $n i32.add v128.load local.get $vg f32x4.mul
              local.get $carry local.get $n i32.add v128.load f32x4.add local.set $gh
              local.get $pGC local.get $n i32.add
              local.get $pGC local.get $n i32.add v128.load
              local.get $vg local.get $pSt1 local.get $n i32.add v128.load f32x4.mul
              f32x4.add v128.store
              local.get $pDe local.get $n i32.add v128.load local.set $a
              local.get $gh local.get $pSt local.get $n i32.add v128.load f32x4.mul local.get $a f32x4.mul
              local.set $gaa
              local.get $sd local.get $gaa local.get $pA local.get $n i32.add v128.load f32x4.mul
              f32x4.add local.set $sd
              local.get $pG local.get $n i32.add
              local.get $pG local.get $n i32.add v128.load
              local.get $gaa local.get $vdt f32x4.mul f32x4.add v128.store
              local.get $pB local.get $n i32.add v128.load local.set $hv
              local.get $si local.get $gh local.get $hv f32x4.mul f32x4.add local.set $si
              local.get $pGB local.get $n i32.add
              local.get $pGB local.get $n i32.add v128.load local.get $gh local.get $vdtx f32x4.mul
              f32x4.add v128.store
              local.get $carry local.get $n i32.add local.get $a local.get $gh f32x4.mul v128.store`,
                  )
                }
            ${lanes("$si")} local.set $sumInput
            local.get $gx local.get $i i32.add
            local.get $dtv local.get $sumInput f32.mul
            local.get $D local.get $c4 i32.add f32.load local.get $g f32.mul f32.add f32.store
            ${lanes("$sd")} local.get $xv local.get $sumInput f32.mul f32.add
            local.get $slope local.get $i i32.add f32.load f32.mul local.set $gRaw
            local.get $gDelta local.get $i i32.add local.get $gRaw f32.store
            local.get $gBc local.get $gRaw f32.add local.set $gBc`,
              )
            }
          local.get $gD local.get $c4 i32.add
          local.get $gD local.get $c4 i32.add f32.load local.get $gDc f32.add f32.store
          local.get $gBias local.get $c4 i32.add
          local.get $gBias local.get $c4 i32.add f32.load local.get $gBc f32.add f32.store`,
          )
        }`,
      )
    }`,
  },
];
