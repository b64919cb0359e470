/**
 * Progress reporting for long-running pipeline steps.
 *
 * A {@link ProgressBar} writes to a {@link ProgressSink} rather than to the console so that
 * library code stays free of global I/O; the CLI passes a sink wrapping stderr.
 *
 * Two output modes are chosen from `sink.isTerminal`:
 *
 * - terminal: one line redrawn in place with `\r` and clear-to-end-of-line, throttled to
 *   `redrawIntervalMs`, e.g.
 *   `simulate  [██████████░░░░░░░░░░]  52%  1040/2000 traj  312 traj/s  ETA 3s`;
 * - plain (CI logs, files): no control characters, one line at most every
 *   `plainIntervalMs`, e.g. `simulate: 1040/2000 traj (52%), 312 traj/s, ETA 3s`.
 *
 * No timers are used: output only happens inside `tick`, `update` and `done`, so a bar never
 * keeps the process alive and tests can drive it with a fake clock.
 *
 * @module
 */

/** Where progress text goes; the CLI wraps stderr in one of these. */
export interface ProgressSink {
  /** Writes text verbatim (no newline is added). */
  write(text: string): void;
  /** Whether the sink is an interactive terminal that understands `\r` and ANSI escapes. */
  isTerminal: boolean;
  /** Terminal width in characters; 80 when absent or not a positive number. */
  columns?: number;
}

/** Options for {@link ProgressBar}. */
export interface ProgressOptions {
  /** Shown in front of the bar, e.g. the step name. */
  label?: string;
  /** Name of one unit of work, e.g. `"traj"` or `"batch"`; defaults to `"it"`. */
  unit?: string;
  /** Milliseconds from an arbitrary origin; defaults to `performance.now`. */
  clock?: () => number;
  /** Minimum time between two progress lines in plain mode; defaults to 5000 ms. */
  plainIntervalMs?: number;
  /** Minimum time between two redraws in terminal mode; defaults to 100 ms. */
  redrawIntervalMs?: number;
}

const DEFAULT_COLUMNS = 80;
const DEFAULT_UNIT = "it";
const DEFAULT_PLAIN_INTERVAL_MS = 5000;
const DEFAULT_REDRAW_INTERVAL_MS = 100;
const MAX_BAR_WIDTH = 40;
const MIN_BAR_WIDTH = 5;
const CLEAR_TO_END = "\x1b[K";

/**
 * Progress is measured over windows of at least this length before it feeds the rate
 * estimate: sub-millisecond gaps between ticks would make instantaneous rates pure noise
 * (or a division by zero).
 */
const RATE_WINDOW_MS = 250;

/**
 * Time constant of the exponential smoothing of the rate. A few seconds keeps the ETA from
 * jumping around with per-batch jitter while still following a real change in speed (e.g.
 * longer trajectories later in a sweep) within roughly twice this time.
 */
const RATE_TIME_CONSTANT_MS = 5000;

/**
 * Formats a duration in whole seconds for humans: `"3s"`, `"2m05s"`, `"1h02m"`.
 *
 * Seconds are rounded to the nearest whole second first; durations of an hour or more drop
 * the seconds because they are noise at that scale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./progress.ts";
 *
 * assert.equal(formatDuration(3.2), "3s");
 * assert.equal(formatDuration(125), "2m05s");
 * assert.equal(formatDuration(3725), "1h02m");
 * ```
 *
 * @throws {RangeError} when `seconds` is negative or not finite.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(
      `Cannot format duration: seconds must be a finite number >= 0, got ${seconds}`,
    );
  }
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) {
    const minutes = Math.floor(whole / 60);
    return `${minutes}m${pad2(whole % 60)}s`;
  }
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  return `${hours}h${pad2(minutes)}m`;
}

/**
 * Formats a rate with about three significant digits and a metric suffix:
 * `"0.52 batch/s"`, `"31.2 traj/s"`, `"312 traj/s"`, `"12.3k traj/s"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRate } from "./progress.ts";
 *
 * assert.equal(formatRate(0.5234, "batch"), "0.52 batch/s");
 * assert.equal(formatRate(312.4, "traj"), "312 traj/s");
 * assert.equal(formatRate(12345, "traj"), "12.3k traj/s");
 * ```
 *
 * @throws {RangeError} when `perSecond` is negative or not finite.
 */
export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) {
    throw new RangeError(
      `Cannot format rate: perSecond must be a finite number >= 0, got ${perSecond}`,
    );
  }
  return `${formatCompactNumber(perSecond)} ${unit}/s`;
}

/**
 * Reports progress of a long step to a {@link ProgressSink}.
 *
 * Nothing is written until the first `tick`/`update`; call `update(0)` right after
 * construction to show the bar immediately. Once `done()` has been called, further `tick`
 * and `update` calls are ignored so that a late callback cannot corrupt the final line.
 *
 * The rate is an exponentially smoothed estimate: progress is sampled over windows of at
 * least 250 ms and each window's rate is blended in with weight `1 - exp(-dt / 5 s)`, which
 * makes the weighting depend on elapsed time rather than on how often `tick` is called.
 * Before the first window completes, the overall average is used. The final summary line
 * uses the overall average (`done / elapsed`), which is what matters for throughput.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProgressBar } from "./progress.ts";
 *
 * let now = 0;
 * const lines: string[] = [];
 * const sink = { isTerminal: false, write: (text: string) => lines.push(text) };
 * const bar = new ProgressBar(2000, sink, { label: "simulate", unit: "traj", clock: () => now });
 * for (let i = 0; i < 20; i++) {
 *   now += 320;
 *   bar.tick(100);
 * }
 * bar.done();
 * assert.equal(lines.at(-1), "simulate: 2000/2000 traj (100%) in 6.4s, 313 traj/s\n");
 * ```
 */
export class ProgressBar {
  readonly #total: number;
  readonly #sink: ProgressSink;
  readonly #label: string;
  readonly #unit: string;
  readonly #clock: () => number;
  readonly #plainIntervalMs: number;
  readonly #redrawIntervalMs: number;
  readonly #startMs: number;

  #done = 0;
  #finished = false;
  #finishedAtMs: number | undefined;
  #lastOutputMs: number | undefined;
  #windowStartMs: number;
  #windowStartDone = 0;
  #smoothedRate: number | undefined;

  /**
   * @param total number of units of work; `0` means unknown (count and rate are shown, but
   *   no percentage or ETA).
   * @throws {RangeError} when `total` is negative or not finite, or an interval option is
   *   negative or not finite.
   */
  constructor(total: number, sink: ProgressSink, options: ProgressOptions = {}) {
    if (typeof total !== "number" || !Number.isFinite(total) || total < 0) {
      throw new RangeError(
        `Cannot create progress bar: total must be a finite number >= 0, got ${total}`,
      );
    }
    this.#total = total;
    this.#sink = sink;
    this.#label = options.label ?? "";
    this.#unit = options.unit ?? DEFAULT_UNIT;
    this.#clock = options.clock ?? defaultClock;
    this.#plainIntervalMs = checkInterval(
      "plainIntervalMs",
      options.plainIntervalMs ?? DEFAULT_PLAIN_INTERVAL_MS,
    );
    this.#redrawIntervalMs = checkInterval(
      "redrawIntervalMs",
      options.redrawIntervalMs ?? DEFAULT_REDRAW_INTERVAL_MS,
    );
    this.#startMs = this.#clock();
    this.#windowStartMs = this.#startMs;
  }

  /** Total units of work; `0` when unknown. */
  get total(): number {
    return this.#total;
  }

  /** Units completed so far. */
  get completed(): number {
    return this.#done;
  }

  /** Seconds since construction (frozen once `done()` has been called). */
  get elapsed(): number {
    const end = this.#finishedAtMs ?? this.#clock();
    return Math.max(0, end - this.#startMs) / 1000;
  }

  /** Smoothed rate in units per second; `0` while nothing can be measured yet. */
  get rate(): number {
    if (this.#smoothedRate !== undefined) return this.#smoothedRate;
    return this.averageRate;
  }

  /** Overall average rate (`completed / elapsed`) in units per second; `0` at time zero. */
  get averageRate(): number {
    const elapsed = this.elapsed;
    return elapsed > 0 ? this.#done / elapsed : 0;
  }

  /**
   * Estimated seconds until `completed` reaches `total`; `0` once it has, and `undefined`
   * when the total is unknown or no progress rate is available yet.
   */
  get eta(): number | undefined {
    if (this.#total <= 0) return undefined;
    const remaining = this.#total - this.#done;
    if (remaining <= 0) return 0;
    const rate = this.rate;
    return rate > 0 ? remaining / rate : undefined;
  }

  /**
   * Adds `n` completed units.
   * @throws {RangeError} when `n` is negative or not finite.
   */
  tick(n = 1): void {
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
      throw new RangeError(`Cannot tick progress: n must be a finite number >= 0, got ${n}`);
    }
    if (this.#finished) return;
    this.#advanceTo(this.#done + n);
  }

  /**
   * Sets the number of completed units (absolute).
   * @throws {RangeError} when `done` is not finite or is less than the current count.
   */
  update(done: number): void {
    if (typeof done !== "number" || !Number.isFinite(done) || done < 0) {
      throw new RangeError(
        `Cannot update progress: done must be a finite number >= 0, got ${done}`,
      );
    }
    if (this.#finished) return;
    if (done < this.#done) {
      throw new RangeError(
        `Cannot update progress: done must not decrease below ${this.#done}, got ${done}`,
      );
    }
    this.#advanceTo(done);
  }

  /**
   * Writes the final state (terminal: last redraw and a newline; plain: a summary line).
   * Only the first call writes anything.
   */
  done(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#finishedAtMs = this.#clock();
    if (this.#sink.isTerminal) {
      this.#sink.write(`\r${this.#terminalLine(true)}${CLEAR_TO_END}\n`);
    } else {
      this.#sink.write(`${this.#plainLine(true)}\n`);
    }
  }

  #advanceTo(done: number): void {
    this.#done = done;
    const now = this.#clock();
    this.#sampleRate(now);
    if (this.#sink.isTerminal) {
      if (this.#lastOutputMs === undefined || now - this.#lastOutputMs >= this.#redrawIntervalMs) {
        this.#lastOutputMs = now;
        this.#sink.write(`\r${this.#terminalLine(false)}${CLEAR_TO_END}`);
      }
    } else {
      // Measured from the start so that a CI log does not get a useless "1/2000" line for
      // the very first tick.
      const since = now - (this.#lastOutputMs ?? this.#startMs);
      if (since >= this.#plainIntervalMs) {
        this.#lastOutputMs = now;
        this.#sink.write(`${this.#plainLine(false)}\n`);
      }
    }
  }

  #sampleRate(now: number): void {
    const dt = now - this.#windowStartMs;
    if (dt < RATE_WINDOW_MS) return;
    const windowRate = ((this.#done - this.#windowStartDone) / dt) * 1000;
    if (this.#smoothedRate === undefined) {
      this.#smoothedRate = windowRate;
    } else {
      const weight = 1 - Math.exp(-dt / RATE_TIME_CONSTANT_MS);
      this.#smoothedRate += weight * (windowRate - this.#smoothedRate);
    }
    this.#windowStartMs = now;
    this.#windowStartDone = this.#done;
  }

  #knownTotal(): boolean {
    return this.#total > 0;
  }

  #percent(): number {
    // Floor so that 99.9% never reads as 100% before the work is actually complete.
    return Math.min(100, Math.floor((this.#done / this.#total) * 100));
  }

  #count(): string {
    const done = formatCount(this.#done);
    return this.#knownTotal()
      ? `${done}/${formatCount(this.#total)} ${this.#unit}`
      : `${done} ${this.#unit}`;
  }

  /** Rate and ETA (or elapsed time when final) segments; empty while unmeasurable. */
  #tailParts(final: boolean): string[] {
    const parts: string[] = [];
    const elapsed = this.elapsed;
    if (final) {
      parts.push(formatRate(this.averageRate, this.#unit));
      parts.push(`in ${formatElapsed(elapsed)}`);
      return parts;
    }
    if (elapsed <= 0) return parts;
    parts.push(formatRate(this.rate, this.#unit));
    const eta = this.eta;
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return parts;
  }

  #terminalLine(final: boolean): string {
    const columns = this.#sink.columns !== undefined && this.#sink.columns > 0
      ? Math.floor(this.#sink.columns)
      : DEFAULT_COLUMNS;
    // One column is kept free: writing into the last column makes some terminals wrap.
    const budget = columns - 1;
    const head = this.#label === "" ? [] : [this.#label];
    const rest: string[] = [];
    if (this.#knownTotal()) rest.push(`${String(this.#percent()).padStart(3)}%`);
    rest.push(this.#count(), ...this.#tailParts(final));

    // Too narrow: drop the least important segments (ETA, then rate) before cutting text.
    while (rest.length > 1 && [...head, ...rest].join("  ").length > budget) rest.pop();
    let line = [...head, ...rest].join("  ");
    if (this.#knownTotal()) {
      const fixed = line.length + 2 /* brackets */ + 2 /* separator */;
      const width = Math.min(MAX_BAR_WIDTH, budget - fixed);
      if (width >= MIN_BAR_WIDTH) {
        const filled = Math.floor((Math.min(this.#done, this.#total) / this.#total) * width);
        const bar = `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
        line = [...head, bar, ...rest].join("  ");
      }
    }
    return line.length > budget ? line.slice(0, Math.max(0, budget)) : line;
  }

  #plainLine(final: boolean): string {
    const prefix = this.#label === "" ? "" : `${this.#label}: `;
    let text = `${prefix}${this.#count()}`;
    if (this.#knownTotal()) text += ` (${this.#percent()}%)`;
    const tail = this.#tailParts(final);
    if (final) {
      // "... (100%) in 6.4s, 312 traj/s" reads better than putting the rate first.
      return `${text} ${tail[1]}, ${tail[0]}`;
    }
    return tail.length === 0 ? text : `${text}, ${tail.join(", ")}`;
  }
}

function defaultClock(): number {
  return performance.now();
}

function checkInterval(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Cannot create progress bar: ${name} must be a finite number >= 0, got ${value}`,
    );
  }
  return value;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** Counts are usually integers; fractional ones (e.g. epochs) keep two decimals at most. */
function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));
}

/** Elapsed times keep a decimal below a minute, where "6s" vs "6.4s" is a real difference. */
function formatElapsed(seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  return tenths < 60 ? `${tenths.toFixed(1)}s` : formatDuration(seconds);
}

const METRIC_SUFFIXES = ["", "k", "M", "G", "T"];

function formatCompactNumber(value: number): string {
  if (value === 0) return "0";
  if (value < 0.01) return String(Number(value.toPrecision(2)));
  if (value < 1) return String(Number(value.toFixed(2)));
  let scaled = value;
  let index = 0;
  // Compare against 999.5 so that values that round up to 1000 move to the next suffix.
  while (scaled >= 999.5 && index < METRIC_SUFFIXES.length - 1) {
    scaled /= 1000;
    index++;
  }
  const digits = scaled >= 99.95 ? 0 : scaled >= 9.995 ? 1 : 2;
  let text = scaled.toFixed(digits);
  // Without a suffix, "3.10 traj/s" carries no more information than "3.1 traj/s".
  if (index === 0 && digits > 0) text = String(Number(text));
  return `${text}${METRIC_SUFFIXES[index]}`;
}
