import { deepEqual, equal, throws } from "node:assert/strict";
import {
  bool,
  checkParamValue,
  choice,
  closest,
  describe,
  float,
  floatList,
  int,
  intList,
  type ParamSpec,
  parseParamText,
  str,
} from "./params.ts";

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

Deno.test("int(), float(), str(), bool(), choice(), intList() and floatList() declare kind, default, doc and bounds", () => {
  deepEqual(int(30, "epochs", { min: 1, max: 100 }), {
    kind: "int",
    default: 30,
    doc: "epochs",
    min: 1,
    max: 100,
  });
  deepEqual(float(0.5, "rate", { min: 0 }), { kind: "float", default: 0.5, doc: "rate", min: 0 });
  deepEqual(str("cnn", "model"), { kind: "string", default: "cnn", doc: "model" });
  deepEqual(bool(true, "shuffle"), { kind: "bool", default: true, doc: "shuffle" });
  deepEqual(choice(["adam", "sgd"] as const, "sgd", "optimiser"), {
    kind: "choice",
    default: "sgd",
    doc: "optimiser",
    choices: ["adam", "sgd"],
  });
  deepEqual(intList([1, 2], "lags", { min: 1 }), {
    kind: "int[]",
    default: [1, 2],
    doc: "lags",
    min: 1,
  });
  deepEqual(floatList([0.1], "alphas", { max: 2 }), {
    kind: "float[]",
    default: [0.1],
    doc: "alphas",
    max: 2,
  });
});

// ---------------------------------------------------------------------------------------------
// checkParamValue
// ---------------------------------------------------------------------------------------------

/** Asserts each value is accepted (undefined) and each [value, problem] is rejected with it. */
function check(spec: ParamSpec, good: unknown[], bad: [unknown, string][]): void {
  for (const value of good) {
    equal(checkParamValue(spec, value), undefined, `accepts ${describe(value)}`);
  }
  for (const [value, problem] of bad) {
    equal(checkParamValue(spec, value), problem, `rejects ${describe(value)}`);
  }
}

Deno.test("checkParamValue() of an int accepts integers and rejects fractions, non-finite numbers and other types", () => {
  check(int(1, "n"), [0, -5, 1e6, 2 ** 53], [
    [1.5, "expects an integer, got number 1.5"],
    [NaN, "expects an integer, got NaN"],
    [Infinity, "expects an integer, got Infinity"],
    ["3", 'expects an integer, got string "3"'],
    [true, "expects an integer, got boolean true"],
    [null, "expects an integer, got object null"],
    [undefined, "expects an integer, got undefined"],
    [[1], "expects an integer, got list [1]"],
  ]);
});

Deno.test("checkParamValue() of an int enforces inclusive min and max", () => {
  check(int(5, "n", { min: 1, max: 10 }), [1, 5, 10], [
    [0, "must be >= 1, got 0"],
    [-3, "must be >= 1, got -3"],
    [11, "must be <= 10, got 11"],
  ]);
});

Deno.test("checkParamValue() of a float accepts finite numbers and rejects NaN, infinities and strings", () => {
  check(float(0.5, "rate"), [0, -1.25, 1e-300, 3], [
    [NaN, "expects a finite number, got NaN"],
    [-Infinity, "expects a finite number, got -Infinity"],
    ["0.5", 'expects a finite number, got string "0.5"'],
  ]);
});

Deno.test("checkParamValue() of a float enforces inclusive bounds, including fractional ones", () => {
  check(float(0.5, "alpha", { min: 0.05, max: 2 }), [0.05, 1, 2], [
    [0.01, "must be >= 0.05, got 0.01"],
    [2.0001, "must be <= 2, got 2.0001"],
  ]);
  // A bound of 0 counts (it is not treated as "no bound").
  check(float(1, "k", { min: 0 }), [0], [[-1e-9, "must be >= 0, got -1e-9"]]);
});

Deno.test("checkParamValue() of a string accepts any string and rejects other types", () => {
  check(str("a", "s"), ["", "cnn", "with space"], [
    [3, "expects a string, got number 3"],
    [false, "expects a string, got boolean false"],
    [["a"], 'expects a string, got list ["a"]'],
  ]);
});

Deno.test("checkParamValue() of a bool accepts true and false only", () => {
  check(bool(false, "b"), [true, false], [
    ["true", 'expects true or false, got string "true"'],
    [1, "expects true or false, got number 1"],
    [0, "expects true or false, got number 0"],
  ]);
});

Deno.test("checkParamValue() of a choice accepts the listed strings and names them when rejecting", () => {
  check(choice(["adam", "sgd"], "adam", "optimiser"), ["adam", "sgd"], [
    ["Adam", 'expects one of "adam", "sgd", got string "Adam"'],
    ["", 'expects one of "adam", "sgd", got string ""'],
    [1, 'expects one of "adam", "sgd", got number 1'],
  ]);
});

Deno.test("checkParamValue() of an int list accepts integer lists and names the bad item", () => {
  check(intList([1], "lags"), [[], [1, 2, 3], [-4]], [
    ["1,2", 'expects a list of integers, got string "1,2"'],
    [3, "expects a list of integers, got number 3"],
    [[1, 2.5], "expects a list of integers, got item number 2.5"],
    [[1, NaN], "expects a list of integers, got item NaN"],
    [[1, "2"], 'expects a list of integers, got item string "2"'],
  ]);
});

Deno.test("checkParamValue() of a float list accepts finite numbers and names the bad item", () => {
  check(floatList([0.1], "alphas"), [[], [0.1, 2, -3]], [
    [{ 0: 1 }, 'expects a list of numbers, got object {"0":1}'],
    [[0.1, Infinity], "expects a list of numbers, got item Infinity"],
    [[null], "expects a list of numbers, got item object null"],
  ]);
});

Deno.test("checkParamValue() of number lists checks every item against the bounds", () => {
  check(intList([1], "lags", { min: 1, max: 100 }), [[1, 100]], [
    [[1, 0, 200], "must be >= 1, got 0"],
    [[5, 200], "must be <= 100, got 200"],
  ]);
  check(floatList([0.5], "alphas", { min: 0, max: 2 }), [[0, 2]], [
    [[0.5, -0.1], "must be >= 0, got -0.1"],
  ]);
});

// ---------------------------------------------------------------------------------------------
// parseParamText
// ---------------------------------------------------------------------------------------------

Deno.test("parseParamText() of an int or float reads numbers, with surrounding spaces", () => {
  equal(parseParamText(int(1, "n"), "42"), 42);
  equal(parseParamText(int(1, "n"), " -7 "), -7);
  equal(parseParamText(float(1, "x"), "2.5e-3"), 0.0025);
  equal(parseParamText(float(1, "x"), ".5"), 0.5);
  // Parsing only reads the number; that it is an integer is checkParamValue's job.
  equal(parseParamText(int(1, "n"), "1.5"), 1.5);
  equal(
    checkParamValue(int(1, "n"), parseParamText(int(1, "n"), "1.5")),
    "expects an integer, got number 1.5",
  );
});

Deno.test("parseParamText() of an int or float throws when the text is not a number", () => {
  for (const text of ["", "  ", "ten", "1,2", "3px"]) {
    throws(() => parseParamText(int(1, "n"), text), {
      name: "SyntaxError",
      message: `expects an integer, got "${text}"`,
    });
    throws(() => parseParamText(float(1, "x"), text), {
      name: "SyntaxError",
      message: `expects a number, got "${text}"`,
    });
  }
});

Deno.test("parseParamText() of a bool reads true/yes/1/on and false/no/0/off in any case", () => {
  const spec = bool(false, "b");
  for (const text of ["true", "TRUE", "Yes", "1", "on", " On "]) {
    equal(parseParamText(spec, text), true, text);
  }
  for (const text of ["false", "False", "NO", "0", "off", " off\n"]) {
    equal(parseParamText(spec, text), false, text);
  }
});

Deno.test("parseParamText() of a bool throws on other spellings", () => {
  for (const text of ["", "y", "t", "2", "truee", "nope"]) {
    throws(() => parseParamText(bool(false, "b"), text), {
      name: "SyntaxError",
      message: `expects true or false, got "${text}"`,
    });
  }
});

Deno.test("parseParamText() of a string or choice returns the text unchanged", () => {
  equal(parseParamText(str("a", "s"), " keep spaces "), " keep spaces ");
  equal(parseParamText(str("a", "s"), ""), "");
  // Choice membership is checked later by checkParamValue.
  equal(parseParamText(choice(["a", "b"], "a", "c"), "z"), "z");
});

Deno.test("parseParamText() of number lists reads comma-separated values, with or without brackets", () => {
  const spec = intList([], "lags");
  deepEqual(parseParamText(spec, "1,2,3"), [1, 2, 3]);
  deepEqual(parseParamText(spec, " 1, 2 , 3 "), [1, 2, 3]);
  deepEqual(parseParamText(spec, "[4,5]"), [4, 5]);
  deepEqual(parseParamText(spec, "7"), [7]);
  deepEqual(parseParamText(floatList([], "a"), "[0.1, -2.5e1]"), [0.1, -25]);
});

Deno.test("parseParamText() of number lists reads empty text and [] as the empty list", () => {
  for (const text of ["", "  ", "[]", "[ ]"]) {
    deepEqual(parseParamText(intList([1], "lags"), text), [], JSON.stringify(text));
    deepEqual(parseParamText(floatList([1], "a"), text), [], JSON.stringify(text));
  }
});

Deno.test("parseParamText() of number lists throws on non-numbers and empty items", () => {
  for (const text of ["1,a", "1;2", "1,,2", "1,", ",1", "[1, ]"]) {
    throws(() => parseParamText(floatList([], "a"), text), {
      name: "SyntaxError",
      message: `expects comma-separated numbers, got "${text}"`,
    });
  }
});

// ---------------------------------------------------------------------------------------------
// describe and closest
// ---------------------------------------------------------------------------------------------

Deno.test("describe() quotes strings and prefixes other values with their type", () => {
  equal(describe("x"), 'string "x"');
  equal(describe(3), "number 3");
  equal(describe(NaN), "NaN");
  equal(describe(-Infinity), "-Infinity");
  equal(describe(undefined), "undefined");
  equal(describe(true), "boolean true");
  equal(describe([1, "a"]), 'list [1,"a"]');
  equal(describe({ a: 1 }), 'object {"a":1}');
});

Deno.test("closest() suggests the known name within edit distance 2", () => {
  const known = ["epochs", "learning_rate", "seed", "batch_size"];
  equal(closest("epoch", known), "epochs"); // one deletion
  equal(closest("epohcs", known), "epochs"); // two substitutions
  equal(closest("sede", known), "seed"); // two substitutions
  equal(closest("batch-size", known), "batch_size");
  equal(closest("seed", known), "seed"); // an exact match is distance 0
});

Deno.test("closest() returns undefined when nothing is within distance 2", () => {
  equal(closest("lr", ["learning_rate", "epochs"]), undefined);
  equal(closest("abcde", ["ab"]), undefined); // distance 3
  equal(closest("x", []), undefined);
});

Deno.test("closest() prefers the nearer name and, at equal distance, the first one", () => {
  equal(closest("seedz", ["sped", "seed"]), "seed"); // 1 beats 2
  equal(closest("cat", ["bat", "hat"]), "bat");
  equal(closest("cat", ["hat", "bat"]), "hat");
  equal(closest("ab", new Set(["abc", "xy"])), "abc"); // any iterable
});
