/**
 * Networks and their training on TF.js. A network is a `Model` (JSON architecture + named
 * variables) with plain forward functions; the heavy layers are fused ops over Float32Arrays with
 * hand-written gradients (batch norm, pooling, the Mamba layer and selective scan, the LSTM), and
 * matrix products and convolutions run on a native BLAS when one loads (`backend.ts`).
 *
 * - `backend.ts`, `blas.ts`, `kernels/`: backend choice, sgemm through FFI, BLAS-backed kernels.
 * - `resandi.ts`, `batch_norm.ts`, `pool.ts`: the ResAnDi 1-D ResNet18 (resandi.md §4).
 * - `selective_scan.ts`, `mamba.ts`, `bimamba.ts`, `bimamba_loss.ts`, `dense.ts`,
 *   `layer_norm.ts`, `gelu.ts`: Mamba and the Bi-Mamba networks and losses (bimamba.md §5-6).
 * - `lstm.ts`, `bilstm.ts`: the fused bidirectional LSTM and the RNN baseline (bimamba.md §8).
 * - `model.ts`, `init.ts`, `model_file.ts`, `adam.ts`, `train.ts`: models, seeded
 *   initialisation, TF.js-format model files, Adam, the training loop.
 *
 * @module
 */

export { type BackendChoice, type BackendName, backendRuntime, selectBackend } from "./backend.ts";
export { type Model, type ModelConfig, parameterCount, trainableVariables } from "./model.ts";
export { loadModel, saveModel } from "./model_file.ts";
export { Adam } from "./adam.ts";
export { trainModel, type TrainOptions, type TrainResult } from "./train.ts";
export { createResandi, resandiForward, resandiLoss } from "./resandi.ts";
export {
  biMambaForward,
  biMambaStackForward,
  createBiMamba,
  createBiMambaStack,
} from "./bimamba.ts";
export { biMambaLoss } from "./bimamba_loss.ts";
export { biLstmForward, createBiLstm } from "./bilstm.ts";
