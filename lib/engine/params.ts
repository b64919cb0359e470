/**
 * Typed task parameters: each parameter is declared once, in its task, with a type, a default and
 * a one-line doc; pipelines, presets and `--set` override it by name and are checked against the
 * declaration.
 *
 * @module
 */

/** The value types a parameter can hold. */
export type ParamValue = number | string | boolean | number[] | string[];

/** A parameter's declaration: its kind, default and doc line. */
export interface ParamSpec<T extends ParamValue = ParamValue> {
  /** What values the parameter accepts. */
  kind: "int" | "float" | "string" | "file" | "bool" | "choice" | "int[]" | "float[]";
  /** The value used when nothing overrides it. */
  default: T;
  /** One line for `help` and error messages. */
  doc: string;
  /** Smallest allowed value (numbers and number lists). */
  min?: number;
  /** Largest allowed value (numbers and number lists). */
  max?: number;
  /** Allowed values for `choice`. */
  choices?: readonly string[];
}

/** Bounds for numeric parameters. */
export interface Bounds {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
}

/**
 * Declares an integer parameter.
 *
 * @example Declaring epochs
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { int } from "./params.ts";
 * equal(int(30, "maximum epochs", { min: 1 }).default, 30);
 * ```
 */
export function int(value: number, doc: string, bounds: Bounds = {}): ParamSpec<number> {
  return { kind: "int", default: value, doc, ...bounds };
}

/** Declares a floating-point parameter. */
export function float(value: number, doc: string, bounds: Bounds = {}): ParamSpec<number> {
  return { kind: "float", default: value, doc, ...bounds };
}

/** Declares a string parameter. */
export function str(value: string, doc: string): ParamSpec<string> {
  return { kind: "string", default: value, doc };
}

/**
 * Declares a parameter naming an input file outside the pipeline (a user's tracks, say). The
 * file's content hash is part of the step's cache key, so editing the file re-runs the step.
 */
export function file(value: string, doc: string): ParamSpec<string> {
  return { kind: "file", default: value, doc };
}

/** Declares a boolean parameter. */
export function bool(value: boolean, doc: string): ParamSpec<boolean> {
  return { kind: "bool", default: value, doc };
}

/** Declares a parameter that takes one of a fixed set of strings. */
export function choice<const C extends readonly string[]>(
  choices: C,
  value: C[number],
  doc: string,
): ParamSpec<string> {
  return { kind: "choice", default: value, doc, choices };
}

/** Declares a list-of-integers parameter (`--set a.b=1,2,3`). */
export function intList(value: number[], doc: string, bounds: Bounds = {}): ParamSpec<number[]> {
  return { kind: "int[]", default: value, doc, ...bounds };
}

/** Declares a list-of-numbers parameter (`--set a.b=0.1,0.2`). */
export function floatList(value: number[], doc: string, bounds: Bounds = {}): ParamSpec<number[]> {
  return { kind: "float[]", default: value, doc, ...bounds };
}

/** The parameter record a task declares. */
export type ParamSpecs = Record<string, ParamSpec>;

/** The typed values a task's `run` receives for its declared parameters. */
export type ParamValues<P extends ParamSpecs> = { [K in keyof P]: P[K]["default"] };

/**
 * Checks a value against its declaration and returns it; the returned string describes the
 * problem when the value does not fit (the caller adds file, step and field).
 */
export function checkParamValue(spec: ParamSpec, value: unknown): string | undefined {
  const shown = describe(value);
  switch (spec.kind) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        return `expects an integer, got ${shown}`;
      }
      return checkBounds(spec, value);
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return `expects a finite number, got ${shown}`;
      }
      return checkBounds(spec, value);
    case "string":
    case "file":
      return typeof value === "string" ? undefined : `expects a string, got ${shown}`;
    case "bool":
      return typeof value === "boolean" ? undefined : `expects true or false, got ${shown}`;
    case "choice":
      return typeof value === "string" && spec.choices!.includes(value)
        ? undefined
        : `expects one of ${spec.choices!.map((c) => `"${c}"`).join(", ")}, got ${shown}`;
    case "int[]":
    case "float[]": {
      const integer = spec.kind === "int[]";
      if (!Array.isArray(value)) {
        return `expects a list of ${integer ? "integers" : "numbers"}, got ${shown}`;
      }
      for (const item of value) {
        const bad = typeof item !== "number" || !Number.isFinite(item) ||
          (integer && !Number.isInteger(item));
        if (bad) {
          return `expects a list of ${integer ? "integers" : "numbers"}, got item ${
            describe(item)
          }`;
        }
        const outside = checkBounds(spec, item);
        if (outside) return outside;
      }
      return undefined;
    }
  }
}

function checkBounds(spec: ParamSpec, value: number): string | undefined {
  if (spec.min !== undefined && value < spec.min) {
    return `must be >= ${spec.min}, got ${value}`;
  }
  if (spec.max !== undefined && value > spec.max) {
    return `must be <= ${spec.max}, got ${value}`;
  }
  return undefined;
}

/**
 * Parses the text of a `--set` override into the parameter's type.
 *
 * @throws {SyntaxError} when the text does not read as the declared type.
 */
export function parseParamText(spec: ParamSpec, text: string): ParamValue {
  const trimmed = text.trim();
  switch (spec.kind) {
    case "int":
    case "float": {
      const value = trimmed === "" ? NaN : Number(trimmed);
      if (Number.isNaN(value)) {
        throw new SyntaxError(
          `expects ${spec.kind === "int" ? "an integer" : "a number"}, got "${text}"`,
        );
      }
      return value;
    }
    case "bool":
      if (["true", "yes", "1", "on"].includes(trimmed.toLowerCase())) return true;
      if (["false", "no", "0", "off"].includes(trimmed.toLowerCase())) return false;
      throw new SyntaxError(`expects true or false, got "${text}"`);
    case "string":
    case "file":
    case "choice":
      return text;
    case "int[]":
    case "float[]": {
      const inner = trimmed.replace(/^\[|\]$/g, "").trim();
      if (inner === "") return [];
      // Number("") is 0: an empty item ("1,,2", "1,") must be an error, not a silent 0.
      const items = inner.split(",").map((item) => item.trim() === "" ? NaN : Number(item));
      if (items.some((item) => Number.isNaN(item))) {
        throw new SyntaxError(`expects comma-separated numbers, got "${text}"`);
      }
      return items;
    }
  }
}

/** Formats a value for messages: strings quoted, others as JSON. */
export function describe(value: unknown): string {
  if (typeof value === "string") return `string "${value}"`;
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return `${Array.isArray(value) ? "list" : typeof value} ${JSON.stringify(value)}`;
}

/** Suggests the closest known name for a misspelt one (edit distance at most 2). */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
