/**
 * Forward and backward loops of the selective scan over Float32Arrays (bimamba.md §5.1).
 * Private to `selective_scan.ts`.
 *
 * Layout: x, delta, z, y (B, L, E); Bm, Cm (B, L, N); A (E, N); D, deltaBias (E), all
 * row-major. Sums run in float64 (JavaScript numbers) and are stored as float32.
 *
 * @module
 */

/** One scan: sizes, input values and flags. */
export interface ScanProblem {
  batch: number;
  length: number;
  channels: number;
  states: number;
  x: Float32Array;
  delta: Float32Array;
  A: Float32Array;
  Bm: Float32Array;
  Cm: Float32Array;
  D: Float32Array;
  z: Float32Array | null;
  deltaBias: Float32Array | null;
  deltaSoftplus: boolean;
  reverse: boolean;
}

/** Gradients of a scalar loss with respect to every input of a {@linkcode ScanProblem}. */
export interface ScanGradients {
  x: Float32Array;
  delta: Float32Array;
  A: Float32Array;
  Bm: Float32Array;
  Cm: Float32Array;
  D: Float32Array;
  z: Float32Array | null;
  deltaBias: Float32Array | null;
}

/** softplus(v) = log(1 + e^v), linear above 20 as in PyTorch and mamba_ssm. */
function softplus(v: number): number {
  return v > 20 ? v : Math.log1p(Math.exp(v));
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** y of the scan, shape (B, L, E). */
export function scanForward(p: ScanProblem): Float32Array {
  const { batch: B, length: L, channels: E, states: N, x, delta, A, Bm, Cm, D, z } = p;
  const bias = p.deltaBias;
  const y = new Float32Array(B * L * E);
  // The state of every channel of one sequence (E x N) stays in cache across the time loop.
  const h = new Float64Array(E * N);
  for (let b = 0; b < B; b++) {
    h.fill(0);
    for (let s = 0; s < L; s++) {
      const t = p.reverse ? L - 1 - s : s;
      const rowE = (b * L + t) * E;
      const rowN = (b * L + t) * N;
      for (let c = 0; c < E; c++) {
        const raw = bias ? delta[rowE + c] + bias[c] : delta[rowE + c];
        const dt = p.deltaSoftplus ? softplus(raw) : raw;
        const xv = x[rowE + c];
        const dtx = dt * xv;
        const base = c * N;
        let acc = 0;
        for (let n = 0; n < N; n++) {
          const hv = Math.exp(dt * A[base + n]) * h[base + n] + dtx * Bm[rowN + n];
          h[base + n] = hv;
          acc += Cm[rowN + n] * hv;
        }
        let out = acc + D[c] * xv;
        if (z) {
          const zv = z[rowE + c];
          out *= zv * sigmoid(zv);
        }
        y[rowE + c] = out;
      }
    }
  }
  return y;
}

/**
 * Gradients of the scan given dy (B, L, E). Works one (sequence, channel) at a time: the
 * forward recursion of that channel is recomputed into L x N buffers (exp(delta A) and h),
 * then the reverse recursion of §5.1 runs over them, so no B x L x E x N state is stored.
 */
export function scanBackward(p: ScanProblem, dy: Float32Array): ScanGradients {
  const { batch: B, length: L, channels: E, states: N, x, delta, A, Bm, Cm, D, z } = p;
  const bias = p.deltaBias;
  const gx = new Float32Array(B * L * E);
  const gDelta = new Float32Array(B * L * E);
  const gz = z ? new Float32Array(B * L * E) : null;
  const gBm = new Float32Array(B * L * N);
  const gCm = new Float32Array(B * L * N);
  const gA = new Float64Array(E * N);
  const gD = new Float64Array(E);
  const gBias = new Float64Array(E);
  // decay[s] = exp(delta A) and state[s + 1] = h after scan step s (state[0] = h_{-1} = 0).
  const decay = new Float64Array(L * N);
  const state = new Float64Array((L + 1) * N);
  const dtOf = new Float64Array(L);
  const slopeOf = new Float64Array(L); // d softplus / d raw delta
  const yOf = new Float64Array(L); // y before the gate
  const carry = new Float64Array(N); // exp(delta_{s+1} A) * dL/dh_{s+1}
  const gBmRow = new Float64Array(L * N);
  const gCmRow = new Float64Array(L * N);
  for (let b = 0; b < B; b++) {
    gBmRow.fill(0);
    gCmRow.fill(0);
    for (let c = 0; c < E; c++) {
      const base = c * N;
      for (let s = 0; s < L; s++) {
        const t = p.reverse ? L - 1 - s : s;
        const i = (b * L + t) * E + c;
        const rowN = (b * L + t) * N;
        const raw = bias ? delta[i] + bias[c] : delta[i];
        let dt = raw;
        let slope = 1;
        if (p.deltaSoftplus && raw <= 20) {
          dt = Math.log1p(Math.exp(raw));
          slope = sigmoid(raw);
        }
        dtOf[s] = dt;
        slopeOf[s] = slope;
        const dtx = dt * x[i];
        let acc = 0;
        for (let n = 0; n < N; n++) {
          const a = Math.exp(dt * A[base + n]);
          const hv = a * state[s * N + n] + dtx * Bm[rowN + n];
          decay[s * N + n] = a;
          state[(s + 1) * N + n] = hv;
          acc += Cm[rowN + n] * hv;
        }
        yOf[s] = acc + D[c] * x[i];
      }
      carry.fill(0);
      let gDc = 0;
      let gBiasC = 0;
      for (let s = L - 1; s >= 0; s--) {
        const t = p.reverse ? L - 1 - s : s;
        const i = (b * L + t) * E + c;
        const rowN = (b * L + t) * N;
        let g = dy[i];
        if (z) {
          const zv = z[i];
          const sg = sigmoid(zv);
          gz![i] = g * yOf[s] * sg * (1 + zv * (1 - sg));
          g *= zv * sg;
        }
        const xv = x[i];
        const dt = dtOf[s];
        gDc += g * xv;
        let sumDecay = 0; // sum_n dL/da_s[n] a_s[n] A[c, n]
        let sumInput = 0; // sum_n dL/dh_s[n] Bm_s[n]
        const rowS = s * N;
        const rowT = t * N;
        for (let n = 0; n < N; n++) {
          const gh = Cm[rowN + n] * g + carry[n];
          gCmRow[rowT + n] += g * state[rowS + N + n];
          const a = decay[rowS + n];
          const gaa = gh * state[rowS + n] * a;
          sumDecay += gaa * A[base + n];
          gA[base + n] += gaa * dt;
          const bn = Bm[rowN + n];
          sumInput += gh * bn;
          gBmRow[rowT + n] += gh * dt * xv;
          carry[n] = a * gh;
        }
        gx[i] = dt * sumInput + D[c] * g;
        const gRaw = (sumDecay + xv * sumInput) * slopeOf[s];
        gDelta[i] = gRaw;
        gBiasC += gRaw;
      }
      gD[c] += gDc;
      gBias[c] += gBiasC;
    }
    gBm.set(gBmRow, b * L * N);
    gCm.set(gCmRow, b * L * N);
  }
  return {
    x: gx,
    delta: gDelta,
    A: Float32Array.from(gA),
    Bm: gBm,
    Cm: gCm,
    D: Float32Array.from(gD),
    z: gz,
    deltaBias: bias ? Float32Array.from(gBias) : null,
  };
}
