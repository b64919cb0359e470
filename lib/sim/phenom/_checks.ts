/**
 * Argument checks shared by the phenomenological simulators. Each throws the message the
 * caller would show: `Cannot <action>: <name> must ..., got <value>`.
 *
 * @module
 */

import { checkParameterDistribution, type ParameterDistribution } from "./parameters.ts";

/** count and length are integers >= 1. */
export function checkSizes(action: string, count: number, length: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Cannot ${action}: count must be an integer >= 1, got ${count}`);
  }
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot ${action}: length must be an integer >= 1, got ${length}`);
  }
}

/** A probability in [0, 1]. */
export function checkProbability(action: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new RangeError(`Cannot ${action}: ${name} must be a probability in [0, 1], got ${value}`);
  }
}

/** A finite number > 0. */
export function checkPositive(action: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`Cannot ${action}: ${name} must be a finite number > 0, got ${value}`);
  }
}

/** An integer >= 1. */
export function checkPositiveInteger(action: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Cannot ${action}: ${name} must be an integer >= 1, got ${value}`);
  }
}

/** One alpha and one K distribution per state, `states` of each, each valid. */
export function checkStateDistributions(
  action: string,
  alphas: readonly ParameterDistribution[],
  ks: readonly ParameterDistribution[],
  states: number,
): void {
  for (const [name, list, kind] of [["alphas", alphas, "alpha"], ["ks", ks, "k"]] as const) {
    if (!Array.isArray(list) || list.length !== states) {
      throw new RangeError(
        `Cannot ${action}: ${name} must hold one distribution per state (${states}), got ${
          Array.isArray(list) ? `${list.length}` : String(list)
        }`,
      );
    }
    list.forEach((distribution, state) =>
      checkParameterDistribution(action, `${name}[${state}]`, distribution, kind)
    );
  }
}

/** Optional per-transition constraint lists of length states - 1 with finite entries. */
export function checkConstraints(
  action: string,
  epsilonAlpha: readonly number[] | undefined,
  gammaK: readonly number[] | undefined,
  states: number,
): void {
  for (const [name, list] of [["epsilonAlpha", epsilonAlpha], ["gammaK", gammaK]] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length !== states - 1) {
      throw new RangeError(
        `Cannot ${action}: ${name} must hold one value per pair of consecutive states ` +
          `(${states - 1}), got ${Array.isArray(list) ? list.length : String(list)}`,
      );
    }
    for (const value of list) {
      if (
        typeof value !== "number" || !Number.isFinite(value) || (name === "gammaK" && value <= 0)
      ) {
        throw new RangeError(
          `Cannot ${action}: ${name} entries must be finite${
            name === "gammaK" ? " and > 0" : ""
          }, got ${value}`,
        );
      }
    }
  }
}
