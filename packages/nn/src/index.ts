// @tensortape/nn: modules, layers, losses, initialisers, optimizers, schedules, checkpoints.
// Browser-safe; file paths are in @tensortape/nn/node.

export {
  type Activation,
  type ActivationName,
  type ActivationSpec,
  activation,
} from "./activation.js";
export {
  type CheckpointParts,
  restoreCheckpoint,
  serializeCheckpoint,
} from "./checkpoint/checkpoint.js";
export {
  type DeserializeOptions,
  deserializeSafetensors,
  type SafetensorsContents,
  serializeSafetensors,
} from "./checkpoint/safetensors.js";
export {
  readSafetensorsHeader,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from "./checkpoint/safetensors-header.js";
export {
  HyperparameterError,
  SafetensorsError,
  StateDictError,
  type StateDictMismatch,
  type TensorSpec,
} from "./errors.js";
export { elu } from "./functional/elu.js";
export { type GeluApproximate, type GeluOptions, gelu } from "./functional/gelu.js";
export { leakyRelu } from "./functional/leaky-relu.js";
export { silu } from "./functional/silu.js";
export { softplus } from "./functional/softplus.js";
export type {
  Initializer,
  InitOptions,
  KaimingOptions,
  Nonlinearity,
  XavierOptions,
} from "./init.js";
export * as init from "./init.js";
export {
  ELU,
  Flatten,
  GELU,
  type GELUOptions,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./layers/activations.js";
export { BatchNorm1d, type BatchNorm1dOptions } from "./layers/batch-norm-1d.js";
export { BatchNorm2d, type BatchNorm2dOptions } from "./layers/batch-norm-2d.js";
export {
  GRUCell,
  LSTMCell,
  RNNCell,
  type RNNCellBaseOptions,
  type RNNCellOptions,
  type RNNNonlinearity,
} from "./layers/cells.js";
export {
  Conv1d,
  Conv2d,
  type ConvLayerOptions,
  ConvTranspose2d,
  type ConvTransposeLayerOptions,
} from "./layers/conv.js";
export { Dense, type DenseOptions, Linear } from "./layers/dense.js";
export { Dropout, type DropoutOptions } from "./layers/dropout.js";
export { Dropout2d, type Dropout2dOptions } from "./layers/dropout-2d.js";
export {
  Embedding,
  type EmbeddingFromPretrainedOptions,
  type EmbeddingOptions,
} from "./layers/embedding.js";
export { GroupNorm, type GroupNormOptions } from "./layers/group-norm.js";
export { InstanceNorm2d, type InstanceNorm2dOptions } from "./layers/instance-norm-2d.js";
export { LayerNorm, type LayerNormOptions } from "./layers/layer-norm.js";
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from "./layers/loss-modules.js";
export { MLP, type MLPOptions } from "./layers/mlp.js";
export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
} from "./layers/multihead-attention.js";
export {
  AdaptiveAvgPool2d,
  AvgPool2d,
  type AvgPoolLayerOptions,
  MaxPool1d,
  MaxPool2d,
  type MaxPoolLayerOptions,
} from "./layers/pooling.js";
export {
  GRU,
  type GRUOptions,
  LSTM,
  type LSTMOptions,
  RNN,
  type RNNBaseOptions,
  type RNNOptions,
} from "./layers/rnn.js";
export { Sequential } from "./layers/sequential.js";
export {
  generateSquareSubsequentMask,
  Transformer,
  type TransformerActivation,
  TransformerDecoder,
  type TransformerDecoderForwardOptions,
  TransformerDecoderLayer,
  TransformerEncoder,
  type TransformerEncoderForwardOptions,
  TransformerEncoderLayer,
  type TransformerForwardOptions,
  type TransformerLayerOptions,
  type TransformerOptions,
  type TransformerStackOptions,
} from "./layers/transformer.js";
export { Upsample, type UpsampleOptions } from "./layers/upsample.js";
export { accuracy } from "./losses/accuracy.js";
export { type BCELossOptions, bceLoss } from "./losses/bce-loss.js";
export {
  type BCEWithLogitsOptions,
  binaryCrossEntropyWithLogits,
} from "./losses/binary-cross-entropy-with-logits.js";
export { type CrossEntropyOptions, crossEntropy } from "./losses/cross-entropy.js";
export { type HuberLossOptions, huberLoss } from "./losses/huber-loss.js";
export { type KLDivLossOptions, type KLDivReduction, kldivLoss } from "./losses/kldiv-loss.js";
export { l1Loss } from "./losses/l1-loss.js";
export { mseLoss } from "./losses/mse-loss.js";
export { type NLLLossOptions, nllLoss } from "./losses/nll-loss.js";
export type { LossOptions, Reduction } from "./losses/reduction.js";
export { type SmoothL1LossOptions, smoothL1Loss } from "./losses/smooth-l1-loss.js";
export {
  type FloatDType,
  functionalCall,
  type Layer,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type Member,
  Module,
  type StateDict,
} from "./module.js";
export { Adagrad, type AdagradHyperparameters } from "./optim/adagrad.js";
export { Adam, type AdamHyperparameters } from "./optim/adam.js";
export { AdamW } from "./optim/adamw.js";
export { type ClipGradNormOptions, clipGradNorm, clipGradValue } from "./optim/clip-grad.js";
export {
  type Hyperparameter,
  type Hyperparameters,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamState,
} from "./optim/optimizer.js";
export { RMSprop, type RMSpropHyperparameters } from "./optim/rmsprop.js";
export { CosineAnnealingLR } from "./optim/schedules/cosine-annealing-lr.js";
export { ExponentialLR } from "./optim/schedules/exponential-lr.js";
export { LambdaLR } from "./optim/schedules/lambda-lr.js";
export { LinearLR, type LinearLROptions, LinearWarmup } from "./optim/schedules/linear-lr.js";
export {
  LRScheduler,
  type Schedule,
  type Scheduled,
  type SchedulerSpec,
  type SchedulerStateDict,
} from "./optim/schedules/lr-scheduler.js";
export { OneCycleLR, type OneCycleLROptions } from "./optim/schedules/one-cycle-lr.js";
export { SequentialLR } from "./optim/schedules/sequential-lr.js";
export { StepLR } from "./optim/schedules/step-lr.js";
export { SGD, type SGDHyperparameters } from "./optim/sgd.js";
