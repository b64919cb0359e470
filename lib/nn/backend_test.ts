import { deepEqual, equal, rejects } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { backendRuntime, registerBlasBackend, selectBackend } from "./backend.ts";

Deno.test("selectBackend() picks blas when a BLAS library loads (first call, auto), and records it", async () => {
  const description = registerBlasBackend();
  const choice = await selectBackend({ prefer: "auto" });
  if (description === null) {
    deepEqual(choice.name, "cpu");
    deepEqual(choice.warning?.includes("apt-get install libopenblas0-pthread"), true);
  } else {
    deepEqual(choice, { name: "blas", library: description });
    deepEqual(tf.getBackend(), "blas");
    deepEqual(await backendRuntime(), { backend: "blas", backend_library: description });
  }
});

Deno.test("selectBackend() activates the plain cpu backend when asked, without a warning", async () => {
  const choice = await selectBackend({ prefer: "cpu" });
  deepEqual(choice, { name: "cpu", library: "none", warning: undefined });
  deepEqual(tf.getBackend(), "cpu");
});

Deno.test("selectBackend() throws when the preference is unknown", async () => {
  await rejects(selectBackend({ prefer: "gpu" }), {
    name: "RangeError",
    message: 'Cannot select the compute backend: unknown backend, got "gpu"; use one of auto, ' +
      "tensorflow, blas, cpu (option --backend or ANDIFLOW_BACKEND)",
  });
});

Deno.test("selectBackend() throws when tensorflow is forced but tfjs-node is not installed", async () => {
  await rejects(selectBackend({ prefer: "tensorflow" }), {
    name: "RangeError",
    message: new RegExp(
      '^Cannot select the compute backend: "tensorflow" was asked for but neither ' +
        "@tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads; add one with",
    ),
  });
});

Deno.test("the blas backend keeps every stock cpu kernel and overrides the matrix product", () => {
  if (registerBlasBackend() === null) return;
  const cpu = tf.getKernelsForBackend("cpu").map((k) => k.kernelName).sort();
  const blas = tf.getKernelsForBackend("blas").map((k) => k.kernelName).sort();
  deepEqual(blas, cpu);
  const stock = tf.getKernel("BatchMatMul", "cpu").kernelFunc;
  equal(tf.getKernel("BatchMatMul", "blas").kernelFunc === stock, false);
});

Deno.test("selectBackend() falls back to plain cpu with one warning when no BLAS loads", async () => {
  const script = `import { selectBackend } from ${
    JSON.stringify(import.meta.resolve("./backend.ts"))
  };
console.log(JSON.stringify(await selectBackend()));`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    env: { ANDIFLOW_BLAS: "/nonexistent/libblas.so", ANDIFLOW_BACKEND: "auto", NO_COLOR: "1" },
    cwd: new URL("../..", import.meta.url).pathname,
  }).output();
  const choice = JSON.parse(new TextDecoder().decode(output.stdout));
  deepEqual(choice.name, "cpu");
  equal(
    choice.warning,
    "Training runs on TF.js's plain JavaScript cpu backend, about 150x slower than a native " +
      "BLAS; install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; macOS " +
      "ships Accelerate) or set ANDIFLOW_BLAS to a library exporting cblas_sgemm.",
  );
});
