/**
 * AnDi-2 phenomenological trajectory simulators (andi-models.md §4): the five models of the
 * 2nd Anomalous Diffusion challenge, each returning positions plus per-frame labels alpha, K
 * and diffusive state (0 immobile, 1 confined, 2 free, 3 directed).
 *
 * | model | function | states |
 * | --- | --- | --- |
 * | single_state (§4.1) | {@linkcode singleState} | one FBM per particle |
 * | multi_state (§4.2) | {@linkcode multiState} | Markov switching between FBM states |
 * | immobile_traps (§4.3) | {@linkcode immobileTraps} | free, or trapped (immobile) |
 * | dimerization (§4.4) | {@linkcode dimerization} | monomer or dimer |
 * | confinement (§4.5) | {@linkcode confinement} | free, or confined in a compartment |
 *
 * Every simulator is `model(count, length, rng, options)` and returns arrays of shape
 * [count, length, 2] (positions) and [count, length] (labels); see
 * {@linkcode PhenomTrajectories}. Parameters given as `[mean, variance]` are drawn per
 * particle from a truncated normal ({@linkcode sampleParameter}).
 *
 * @example One experiment of each model with the defaults of the reference
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { confinement, dimerization, immobileTraps, multiState, singleState } from "./mod.ts";
 * const rng = createRng(0);
 * for (const simulate of [singleState, multiState, immobileTraps, dimerization, confinement]) {
 *   const out = simulate(10, 200, rng);
 *   equal(out.positions.length, 10 * 200 * 2);
 *   equal(out.states.length, 10 * 200);
 * }
 * ```
 *
 * @module
 */

export * from "./labels.ts";
export * from "./parameters.ts";
export * from "./box.ts";
export * from "./compartments.ts";
export * from "./single_state.ts";
export * from "./multi_state.ts";
export * from "./immobile_traps.ts";
export * from "./dimerization.ts";
export * from "./confinement.ts";
