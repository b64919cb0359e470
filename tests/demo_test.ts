// The demo pipeline end to end through the CLI, in a scratch state directory.

import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { cliInScratch as demo } from "./_toy.ts";

Deno.test("run demo recovers alpha = 1 and K = 0.5 from simulated Brownian motion (2000 trajectories, seed 0)", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "andiflow-demo-" });
  const first = await demo(scratch, "run", "demo");
  equal(first.code, 0, first.stderr);
  // Not a terminal: the progress bar prints plain lines, no control characters.
  match(first.stderr, /simulate: 2000\/2000 traj \(100%\) in [\d.]+s/);
  ok(!first.stderr.includes("\r"));
  const summary = JSON.parse(await Deno.readTextFile(join(scratch, "reports/demo/summary.json")));
  // Ensemble MSD of 2000 trajectories: relative standard error about 1/sqrt(2000) = 0.022 per
  // lag; the fitted exponent over lags 1..50 is within 0.1 of 1 and K within 15 % of 0.5.
  ok(Math.abs(summary.fitted_alpha - 1) < 0.1, `alpha ${summary.fitted_alpha}`);
  ok(Math.abs(summary.fitted_k / 0.5 - 1) < 0.15, `K ${summary.fitted_k}`);
  // Adam converged to the closed-form least-squares fit.
  ok(Math.abs(summary.fitted_alpha - summary.closed_form_alpha) < 1e-3);

  const second = await demo(scratch, "reproduce");
  equal(second.code, 0, second.stderr);
  match(second.stdout, /nothing ran: every step was restored from the cache/);
});

Deno.test("the CLI prints one line for a bad command and exits 2", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "andiflow-demo-" });
  const bad = await demo(scratch, "run", "demo", "--set", "fit.epoch=3");
  equal(bad.code, 2);
  equal(
    bad.stderr,
    'error: Cannot apply --set "fit.epoch=3": step "fit" has no parameter "epoch"; did you mean "epochs"?\n',
  );
  const verb = await demo(scratch, "rnu");
  equal(verb.code, 2);
  match(verb.stderr, /^error: Unknown verb "rnu"; verbs: run, reproduce, status/);
  const help = await demo(scratch, "help", "run");
  equal(help.code, 0);
  match(help.stdout, /usage: run PIPELINE/);
});
