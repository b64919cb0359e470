import assert from "node:assert/strict";
import {
  formatDuration,
  formatRate,
  ProgressBar,
  type ProgressOptions,
  type ProgressSink,
} from "./progress.ts";

interface Harness {
  sink: ProgressSink & { writes: string[] };
  clock: { now: number };
  options: ProgressOptions;
}

function harness(isTerminal: boolean, columns?: number): Harness {
  const writes: string[] = [];
  const clock = { now: 1000 };
  const sink = {
    writes,
    isTerminal,
    columns,
    write(text: string): void {
      writes.push(text);
    },
  };
  const options: ProgressOptions = {
    label: "simulate",
    unit: "traj",
    clock: function now(): number {
      return clock.now;
    },
  };
  return { sink, clock, options };
}

function hasControlCharacters(text: string): boolean {
  // Newline is the only control character allowed in plain output.
  return /\p{Cc}/u.test(text.replaceAll("\n", ""));
}

Deno.test("terminal mode redraws one line with \\r, bar, percentage, rate and ETA", () => {
  const { sink, clock, options } = harness(true, 80);
  const bar = new ProgressBar(2000, sink, options);
  for (let i = 0; i < 26; i++) {
    clock.now += 200;
    bar.tick(40);
  }
  const last = sink.writes.at(-1)!;
  assert.ok(last.startsWith("\rsimulate  ["), last);
  assert.ok(last.endsWith("\x1b[K"), last);
  assert.ok(!last.includes("\n"));
  assert.ok(last.includes(" 52%  1040/2000 traj  200 traj/s  ETA 5s"), last);
  assert.match(last, /\[█+░+\]/);
  // The visible text (without \r and the escape) fits in the terminal.
  const visible = last.slice(1, -"\x1b[K".length);
  assert.ok(visible.length < 80, `${visible.length}: ${visible}`);
});

Deno.test("terminal mode adapts the bar width to the columns", () => {
  const wide = harness(true, 200);
  const narrow = harness(true, 60);
  const tiny = harness(true, 30);
  for (const h of [wide, narrow, tiny]) {
    const bar = new ProgressBar(100, h.sink, h.options);
    h.clock.now += 1000;
    bar.update(50);
  }
  function barWidth(text: string): number {
    return (text.match(/\[([█░]*)\]/)?.[1] ?? "").length;
  }
  const wideLine = wide.sink.writes[0];
  const narrowLine = narrow.sink.writes[0];
  const tinyLine = tiny.sink.writes[0].slice(1, -3);
  assert.equal(barWidth(wideLine), 40);
  assert.ok(barWidth(narrowLine) > 0 && barWidth(narrowLine) < 40, narrowLine);
  assert.ok(narrowLine.length - 4 <= 59, narrowLine);
  // Too narrow for a bar: the line is still there, just without the bar, and cut to fit.
  assert.ok(!tinyLine.includes("["), tinyLine);
  assert.equal(tinyLine, "simulate   50%  50/100 traj");
});

Deno.test("terminal mode uses 80 columns when the sink does not say", () => {
  const { sink, clock, options } = harness(true);
  const bar = new ProgressBar(100, sink, options);
  clock.now += 1000;
  bar.update(10);
  const visible = sink.writes[0].slice(1, -3);
  assert.ok(visible.length <= 79, visible);
  assert.ok(visible.includes("["), visible);
});

Deno.test("terminal mode throttles redraws to redrawIntervalMs", () => {
  const { sink, clock, options } = harness(true, 80);
  const bar = new ProgressBar(10_000, sink, options);
  for (let i = 0; i < 99; i++) {
    clock.now += 1;
    bar.tick();
  }
  assert.equal(sink.writes.length, 1, "many ticks within 100 ms give one redraw");
  clock.now += 1;
  bar.tick();
  assert.equal(sink.writes.length, 1, "99 ms after the first redraw is still too early");
  clock.now += 1;
  bar.tick();
  assert.equal(sink.writes.length, 2, "a tick 100 ms after the last redraw redraws");
});

Deno.test("terminal done() redraws the final state with elapsed time and a newline", () => {
  const { sink, clock, options } = harness(true, 100);
  const bar = new ProgressBar(2000, sink, options);
  for (let i = 0; i < 20; i++) {
    clock.now += 320;
    bar.tick(100);
  }
  bar.done();
  const last = sink.writes.at(-1)!;
  assert.ok(last.startsWith("\rsimulate  ["));
  assert.ok(last.endsWith("\x1b[K\n"));
  assert.ok(last.includes(`[${"█".repeat(40)}]  100%  2000/2000 traj  313 traj/s  in 6.4s`), last);
  assert.ok(!last.includes("ETA"));
});

Deno.test("plain mode writes no control characters and respects plainIntervalMs", () => {
  const { sink, clock, options } = harness(false);
  const bar = new ProgressBar(2000, sink, options);
  // 100 traj/s for 12 s, ticking every 100 ms.
  for (let i = 0; i < 120; i++) {
    clock.now += 100;
    bar.tick(10);
  }
  assert.deepEqual(sink.writes, [
    "simulate: 500/2000 traj (25%), 100 traj/s, ETA 15s\n",
    "simulate: 1000/2000 traj (50%), 100 traj/s, ETA 10s\n",
  ]);
  bar.done();
  assert.equal(sink.writes.length, 3);
  assert.equal(sink.writes[2], "simulate: 1200/2000 traj (60%) in 12.0s, 100 traj/s\n");
  for (const text of sink.writes) assert.ok(!hasControlCharacters(text), JSON.stringify(text));
});

Deno.test("plain mode honours a custom plainIntervalMs", () => {
  const { sink, clock, options } = harness(false);
  const bar = new ProgressBar(100, sink, { ...options, plainIntervalMs: 1000 });
  for (let i = 0; i < 30; i++) {
    clock.now += 100;
    bar.tick();
  }
  assert.equal(sink.writes.length, 3);
});

Deno.test("done() is idempotent and prints the final line once", () => {
  const { sink, clock, options } = harness(false);
  const bar = new ProgressBar(2000, sink, options);
  clock.now += 6400;
  bar.update(2000);
  bar.done();
  bar.done();
  // Ticks after done() are ignored rather than corrupting the final output.
  bar.tick(5);
  bar.update(3000);
  assert.deepEqual(sink.writes, [
    "simulate: 2000/2000 traj (100%), 313 traj/s, ETA 0s\n",
    "simulate: 2000/2000 traj (100%) in 6.4s, 313 traj/s\n",
  ]);
  assert.equal(bar.completed, 2000);
});

Deno.test("done() without any progress still prints a final line", () => {
  const { sink, clock, options } = harness(false);
  const bar = new ProgressBar(10, sink, { ...options, label: undefined, unit: undefined });
  clock.now += 2500;
  bar.done();
  assert.deepEqual(sink.writes, ["0/10 it (0%) in 2.5s, 0 it/s\n"]);
});

Deno.test("unknown total (0) shows count and rate but no percentage or ETA", () => {
  const plain = harness(false);
  const bar = new ProgressBar(0, plain.sink, plain.options);
  for (let i = 0; i < 60; i++) {
    plain.clock.now += 100;
    bar.tick(3);
  }
  bar.done();
  assert.deepEqual(plain.sink.writes, [
    "simulate: 150 traj, 30 traj/s\n",
    "simulate: 180 traj in 6.0s, 30 traj/s\n",
  ]);
  assert.equal(bar.eta, undefined);

  const term = harness(true, 80);
  const termBar = new ProgressBar(0, term.sink, term.options);
  term.clock.now += 500;
  termBar.tick(10);
  const line = term.sink.writes[0];
  assert.equal(line, "\rsimulate  10 traj  20 traj/s\x1b[K");
});

Deno.test("ETA is correct for a constant rate", () => {
  const { sink, clock, options } = harness(false);
  const bar = new ProgressBar(1000, sink, options);
  // 100 units/s: 10 units every 100 ms until 500 are done.
  for (let i = 0; i < 50; i++) {
    clock.now += 100;
    bar.tick(10);
  }
  assert.ok(Math.abs(bar.rate - 100) < 1e-9, String(bar.rate));
  assert.ok(Math.abs(bar.eta! - 5) < 0.5, String(bar.eta));
});

Deno.test("rate follows a change of speed smoothly instead of jumping", () => {
  const { sink, clock, options } = harness(false);
  const bar = new ProgressBar(100_000, sink, options);
  for (let i = 0; i < 100; i++) {
    clock.now += 100;
    bar.tick(10); // 100/s for 10 s
  }
  clock.now += 1000;
  bar.tick(1000); // one second at 1000/s
  assert.ok(bar.rate > 100 && bar.rate < 1000, String(bar.rate));
  for (let i = 0; i < 300; i++) {
    clock.now += 100;
    bar.tick(100); // 1000/s for 30 s
  }
  assert.ok(Math.abs(bar.rate - 1000) < 10, String(bar.rate));
});

Deno.test("rate and eta before any time has passed", () => {
  const { sink, options } = harness(true);
  const bar = new ProgressBar(100, sink, options);
  assert.equal(bar.rate, 0);
  assert.equal(bar.eta, undefined);
  bar.update(0);
  assert.equal(sink.writes[0], "\rsimulate  [" + "░".repeat(40) + "]    0%  0/100 traj\x1b[K");
});

Deno.test("formatDuration", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(3.4), "3s");
  assert.equal(formatDuration(59.6), "1m00s");
  assert.equal(formatDuration(125), "2m05s");
  assert.equal(formatDuration(3599.7), "1h00m");
  assert.equal(formatDuration(3725), "1h02m");
  assert.equal(formatDuration(100 * 3600), "100h00m");
});

Deno.test("formatRate", () => {
  assert.equal(formatRate(0, "it"), "0 it/s");
  assert.equal(formatRate(0.0012345, "batch"), "0.0012 batch/s");
  assert.equal(formatRate(0.52, "batch"), "0.52 batch/s");
  assert.equal(formatRate(3.1, "batch"), "3.1 batch/s");
  assert.equal(formatRate(31.24, "traj"), "31.2 traj/s");
  assert.equal(formatRate(312.4, "traj"), "312 traj/s");
  assert.equal(formatRate(999.7, "traj"), "1.00k traj/s");
  assert.equal(formatRate(12_345, "traj"), "12.3k traj/s");
  assert.equal(formatRate(4_560_000, "traj"), "4.56M traj/s");
});

Deno.test("throws when total is negative, not finite or not a number", () => {
  const { sink } = harness(false);
  for (const total of [-1, NaN, Infinity]) {
    assert.throws(() => new ProgressBar(total, sink), {
      name: "RangeError",
      message: `Cannot create progress bar: total must be a finite number >= 0, got ${total}`,
    });
  }
});

Deno.test("throws when an interval option is invalid", () => {
  const { sink } = harness(false);
  assert.throws(() => new ProgressBar(1, sink, { redrawIntervalMs: -5 }), {
    name: "RangeError",
    message: "Cannot create progress bar: redrawIntervalMs must be a finite number >= 0, got -5",
  });
  assert.throws(() => new ProgressBar(1, sink, { plainIntervalMs: NaN }), {
    name: "RangeError",
    message: "Cannot create progress bar: plainIntervalMs must be a finite number >= 0, got NaN",
  });
});

Deno.test("throws when tick gets a negative or non-finite n", () => {
  const { sink } = harness(false);
  const bar = new ProgressBar(10, sink);
  assert.throws(() => bar.tick(-1), {
    name: "RangeError",
    message: "Cannot tick progress: n must be a finite number >= 0, got -1",
  });
  assert.throws(() => bar.tick(Infinity), {
    name: "RangeError",
    message: "Cannot tick progress: n must be a finite number >= 0, got Infinity",
  });
});

Deno.test("throws when update goes backwards or is not finite", () => {
  const { sink } = harness(false);
  const bar = new ProgressBar(10, sink);
  bar.update(5);
  assert.throws(() => bar.update(3), {
    name: "RangeError",
    message: "Cannot update progress: done must not decrease below 5, got 3",
  });
  assert.throws(() => bar.update(NaN), {
    name: "RangeError",
    message: "Cannot update progress: done must be a finite number >= 0, got NaN",
  });
});

Deno.test("throws when formatting a negative duration or rate", () => {
  assert.throws(() => formatDuration(-1), {
    name: "RangeError",
    message: "Cannot format duration: seconds must be a finite number >= 0, got -1",
  });
  assert.throws(() => formatRate(NaN, "it"), {
    name: "RangeError",
    message: "Cannot format rate: perSecond must be a finite number >= 0, got NaN",
  });
});
