import { equal, throws } from "node:assert/strict";
import { assembleWasm } from "./_wasm_assembler.ts";

Deno.test("assembleWasm() builds a module whose SIMD function sums four lanes", () => {
  const bytes = assembleWasm([{
    name: "sum4",
    params: [["$at", "i32"]],
    result: "f32",
    locals: [["$v", "v128"]],
    body: `
      local.get $at v128.load local.set $v ;; four floats from memory
      local.get $v f32x4.extract_lane 0 local.get $v f32x4.extract_lane 1 f32.add
      local.get $v f32x4.extract_lane 2 f32.add local.get $v f32x4.extract_lane 3 f32.add`,
  }], 1);
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as {
    memory: WebAssembly.Memory;
    sum4(at: number): number;
  };
  new Float32Array(exports.memory.buffer).set([1, 2, 3, 4.5], 4);
  equal(exports.sum4(16), 10.5);
});

Deno.test("assembleWasm() imports a shared memory when sharedMaximum is given", () => {
  const bytes = assembleWasm(
    [{
      name: "first",
      params: [],
      result: "f32",
      locals: [],
      body: "i32.const 0 f32.load",
    }],
    1,
    { sharedMaximum: 4 },
  );
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  new Float32Array(memory.buffer)[0] = 2.5;
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
    .exports as { memory: WebAssembly.Memory; first(): number };
  equal(exports.first(), 2.5);
  equal(exports.memory, memory);
});

Deno.test("assembleWasm() throws when an instruction or local is unknown", () => {
  const fn = { name: "f", params: [], locals: [], body: "f64.add" };
  throws(() => assembleWasm([fn], 1), {
    name: "SyntaxError",
    message: 'Cannot assemble function "f": unknown instruction f64.add at token 1',
  });
  throws(() => assembleWasm([{ ...fn, body: "local.get $x drop" }], 1), {
    name: "SyntaxError",
    message: 'Cannot assemble function "f": unknown local $x at token 2',
  });
});
