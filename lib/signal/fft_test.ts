import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { bitReversed, fft } from "./fft.ts";

/** O(n^2) DFT with exact angle reduction (j k mod n), the reference for the FFT. */
function naiveDft(
  re: Float64Array,
  im: Float64Array,
  inverse = false,
): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let j = 0; j < n; j++) {
    let sumRe = 0;
    let sumIm = 0;
    for (let k = 0; k < n; k++) {
      const angle = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      sumRe += re[k] * c - im[k] * s;
      sumIm += re[k] * s + im[k] * c;
    }
    outRe[j] = inverse ? sumRe / n : sumRe;
    outIm[j] = inverse ? sumIm / n : sumIm;
  }
  return [outRe, outIm];
}

/** max |a - b| over entries, relative to max |b| (complex moduli). */
function relativeError(
  re: Float64Array,
  im: Float64Array,
  refRe: Float64Array,
  refIm: Float64Array,
): number {
  let error = 0;
  let scale = 0;
  for (let i = 0; i < re.length; i++) {
    error = Math.max(error, Math.hypot(re[i] - refRe[i], im[i] - refIm[i]));
    scale = Math.max(scale, Math.hypot(refRe[i], refIm[i]));
  }
  return error / scale;
}

function randomSignal(n: number, seed: number): [Float64Array, Float64Array] {
  const rng = createRng(seed);
  return [rng.fillNormal(new Float64Array(n)), rng.fillNormal(new Float64Array(n))];
}

const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

Deno.test("fft() matches a naive DFT within 1e-9 relative for n = 1..1024 (seed 1)", () => {
  for (const n of SIZES) {
    const [re, im] = randomSignal(n, 1);
    const [refRe, refIm] = naiveDft(re, im);
    fft(re, im);
    const error = relativeError(re, im, refRe, refIm);
    ok(error < 1e-9, `n = ${n}: relative error ${error}`);
  }
});

Deno.test("fft() with inverse matches a naive inverse DFT within 1e-9 relative (seed 2)", () => {
  for (const n of SIZES) {
    const [re, im] = randomSignal(n, 2);
    const [refRe, refIm] = naiveDft(re, im, true);
    fft(re, im, { inverse: true });
    const error = relativeError(re, im, refRe, refIm);
    ok(error < 1e-9, `n = ${n}: relative error ${error}`);
  }
});

Deno.test("fft() satisfies Parseval: sum |x|^2 = sum |X|^2 / n within 1e-12 relative (seed 3)", () => {
  for (const n of [...SIZES, 4096]) {
    const [re, im] = randomSignal(n, 3);
    let energy = 0;
    for (let i = 0; i < n; i++) energy += re[i] ** 2 + im[i] ** 2;
    fft(re, im);
    let spectral = 0;
    for (let i = 0; i < n; i++) spectral += re[i] ** 2 + im[i] ** 2;
    const error = Math.abs(spectral / n - energy) / energy;
    ok(error < 1e-12, `n = ${n}: relative error ${error}`);
  }
});

Deno.test("fft() then fft() with inverse restores the input within 1e-12 (n = 4096, seed 4)", () => {
  const [re, im] = randomSignal(4096, 4);
  const [copyRe, copyIm] = [re.slice(), im.slice()];
  fft(re, im);
  fft(re, im, { inverse: true });
  ok(relativeError(re, im, copyRe, copyIm) < 1e-12);
});

Deno.test("fft() maps a complex exponential of frequency 3 to a spike of height n at index 3", () => {
  const n = 64;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = Math.cos((2 * Math.PI * 3 * k) / n);
    im[k] = Math.sin((2 * Math.PI * 3 * k) / n);
  }
  fft(re, im);
  for (let j = 0; j < n; j++) {
    const expected = j === 3 ? n : 0;
    ok(Math.abs(re[j] - expected) < 1e-12 && Math.abs(im[j]) < 1e-12, `index ${j}`);
  }
});

Deno.test("fft() with bitReversedInput on bitReversed() input gives the same bytes as fft()", () => {
  for (const n of SIZES) {
    const [re, im] = randomSignal(n, 5);
    const permutedRe = bitReversed(re);
    const permutedIm = bitReversed(im);
    fft(re, im);
    fft(permutedRe, permutedIm, { bitReversedInput: true });
    deepEqual(permutedRe, re, `n = ${n}`);
    deepEqual(permutedIm, im, `n = ${n}`);
  }
});

Deno.test("bitReversed() is its own inverse and leaves its input unchanged", () => {
  const values = Float64Array.from({ length: 32 }, (_, i) => i);
  const once = bitReversed(values);
  equal(once[1], 16);
  deepEqual(bitReversed(once), values);
  deepEqual(values, Float64Array.from({ length: 32 }, (_, i) => i));
});

Deno.test("fft() throws when the length is not a power of two", () => {
  for (const n of [0, 3, 6, 1000]) {
    throws(() => fft(new Float64Array(n), new Float64Array(n)), {
      name: "RangeError",
      message: `Cannot compute FFT: length must be a power of two between 1 and 2^30, got ${n}; ` +
        "zero-pad to the next power of two",
    });
  }
});

Deno.test("fft() throws when re and im differ in length", () => {
  throws(() => fft(new Float64Array(8), new Float64Array(4)), {
    name: "RangeError",
    message: "Cannot compute FFT: re and im must have the same length, got 8 and 4",
  });
});

Deno.test("fft() throws when an input is not a Float64Array", () => {
  throws(() => fft(new Float32Array(4) as unknown as Float64Array, new Float64Array(4)), {
    name: "TypeError",
    message: "Cannot compute FFT: input must be Float64Arrays, got an instance of Float32Array; " +
      "copy the values into a Float64Array",
  });
});

Deno.test("bitReversed() throws when the length is not a power of two", () => {
  throws(() => bitReversed(new Float64Array(12)), {
    name: "RangeError",
    message: "Cannot bit-reverse: length must be a power of two between 1 and 2^30, got 12; " +
      "zero-pad to the next power of two",
  });
});
