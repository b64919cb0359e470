/**
 * The 8-class dataset of the ResAnDi paper (resandi.md §1-2): SubATTM, SubCTRW, SubFBM, SubSBM,
 * SupFBM, SupLW, SupSBM, BM, 2-D, with sub-diffusive alpha ~ U(0.1, 0.9), super-diffusive alpha
 * ~ U(1.1, 1.9) and BM alpha = 1; every axis normalised to unit-variance displacements; optional
 * Gaussian localisation noise of standard deviation 1/SNR.
 *
 * As in the paper's generator, one array of lengths and one of alphas per group is shared by the
 * classes of that group: item i of SubATTM, SubCTRW, SubFBM and SubSBM has the same length and
 * alpha (likewise for the Sup- classes; BM shares the lengths). Trajectories that are degenerate
 * after normalisation (all-zero CTRW, single-flight Lévy walk) are redrawn for every class (the
 * paper redraws only in the Sub- loop).
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { addLocalizationNoise } from "./normalize.ts";
import { drawNormalized, type TheoryModel } from "./theory_models.ts";

/** Class names in label order (the label is the index). */
export const RESANDI_CLASSES = [
  "SubATTM",
  "SubCTRW",
  "SubFBM",
  "SubSBM",
  "SupFBM",
  "SupLW",
  "SupSBM",
  "BM",
] as const;

/** One of the eight class names. */
export type ResandiClass = typeof RESANDI_CLASSES[number];

/** Options of {@linkcode resandiTrajectories}. */
export interface ResandiOptions {
  /** Trajectories per class. @default {1000} */
  perClass?: number;
  /** Shortest length (frames), inclusive. @default {10} */
  minLength?: number;
  /** Longest length (frames), inclusive; equal to minLength for fixed-length sets. @default {1000} */
  maxLength?: number;
  /** Range of sub-diffusive alphas. @default {[0.1, 0.9]} */
  subAlpha?: [number, number];
  /** Range of super-diffusive alphas. @default {[1.1, 1.9]} */
  supAlpha?: [number, number];
  /** Localisation noise std after normalisation (1/SNR). @default {0} */
  noiseStd?: number;
}

/** One generated trajectory. */
export interface ResandiTrajectory {
  /** Positions [length, 2], frame-major, starting at 0 before noise. */
  positions: Float64Array;
  /** Class label 0..7. */
  label: number;
  /** Class name. */
  className: ResandiClass;
  /** Anomalous exponent. */
  alpha: number;
  /** Frames. */
  length: number;
}

const CLASS_MODELS: Record<ResandiClass, TheoryModel> = {
  SubATTM: "attm",
  SubCTRW: "ctrw",
  SubFBM: "fbm",
  SubSBM: "sbm",
  SupFBM: "fbm",
  SupLW: "lw",
  SupSBM: "sbm",
  BM: "bm",
};

/**
 * Generates the dataset class by class (contiguous blocks in label order), one trajectory at a
 * time, so that callers can stream it to disk.
 *
 * @param rng random stream; lengths, alphas and each class use named child streams, so adding
 *   classes or changing one class's generator leaves the others' trajectories unchanged
 * @throws {RangeError} for invalid sizes, lengths, alpha ranges or noise
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { resandiTrajectories } from "./resandi_dataset.ts";
 * const labels = [...resandiTrajectories(createRng(1), { perClass: 2, minLength: 20, maxLength: 20 })]
 *   .map((trajectory) => trajectory.label);
 * deepEqual(labels, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
 * ```
 */
export function* resandiTrajectories(
  rng: Rng,
  options: ResandiOptions = {},
): Generator<ResandiTrajectory> {
  const {
    perClass = 1000,
    minLength = 10,
    maxLength = 1000,
    subAlpha = [0.1, 0.9],
    supAlpha = [1.1, 1.9],
    noiseStd = 0,
  } = options;
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new RangeError(
      `Cannot build ResAnDi dataset: perClass must be an integer >= 1, got ${perClass}`,
    );
  }
  if (
    !Number.isInteger(minLength) || !Number.isInteger(maxLength) || minLength < 3 ||
    maxLength < minLength
  ) {
    throw new RangeError(
      `Cannot build ResAnDi dataset: lengths must be integers with 3 <= minLength <= maxLength, got ${minLength}..${maxLength}`,
    );
  }
  checkRange("subAlpha", subAlpha, 0, 1);
  checkRange("supAlpha", supAlpha, 1, 2);
  if (!(noiseStd >= 0 && Number.isFinite(noiseStd))) {
    throw new RangeError(
      `Cannot build ResAnDi dataset: noiseStd must be a finite number >= 0, got ${noiseStd}`,
    );
  }
  const lengthStream = rng.stream("lengths");
  const lengths = Array.from(
    { length: perClass },
    () => lengthStream.integer(minLength, maxLength + 1),
  );
  const alphaStream = rng.stream("alphas");
  const subAlphas = Array.from({ length: perClass }, () => alphaStream.uniformRange(...subAlpha));
  const supAlphas = Array.from({ length: perClass }, () => alphaStream.uniformRange(...supAlpha));
  for (const [label, className] of RESANDI_CLASSES.entries()) {
    const classStream = rng.stream(className);
    const noiseStream = rng.stream(`${className}-noise`);
    const alphas = className === "BM" ? null : className.startsWith("Sub") ? subAlphas : supAlphas;
    for (let i = 0; i < perClass; i++) {
      const alpha = alphas ? alphas[i] : 1;
      const positions = drawNormalized(CLASS_MODELS[className], lengths[i], alpha, classStream);
      addLocalizationNoise(positions, noiseStd, noiseStream);
      yield { positions, label, className, alpha, length: lengths[i] };
    }
  }
}

function checkRange(name: string, range: [number, number], low: number, high: number): void {
  const [a, b] = range;
  if (!(a > low && b < high && a < b)) {
    throw new RangeError(
      `Cannot build ResAnDi dataset: ${name} must satisfy ${low} < low < high < ${high}, got [${a}, ${b}]`,
    );
  }
}
