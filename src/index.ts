/**
 * vae-lab: the library the notebooks import (`import * as vl from "../dist"`).
 * The public API, by topic. Everything not listed here is internal.
 */

// The maths: likelihoods, KL, reparameterization, the forward pass, losses and bounds.
export { bernoulliLogLikelihood, gaussianLogLikelihood } from "./model/likelihoods";
export { klMonteCarlo, klPerDimension, klStandardNormal, logNormal, logStandardNormal } from "./model/kl";
export { reparameterize } from "./model/reparameterize";
export { type Forward, forward } from "./model/forward";
export {
  type KlTerm,
  type LossOptions,
  type LossParts,
  type ReconLoss,
  type TrainBatch,
  freeBits,
  negLogLikelihood,
  trainingLoss,
} from "./model/losses";
export { type ElboParts, elbo, iwaeBound } from "./model/elbo";
export { type BetaSchedule, type Progress, cyclicalBeta, linearWarmup } from "./model/schedules";

// Models: autoencoder, denoising autoencoder, VAE; their input noise.
export type {
  Activation,
  Architecture,
  Likelihood,
  ModelConfig,
  ModelKind,
  NoiseConfig,
  NoiseKind,
} from "./model/config";
export {
  type Encoding,
  type Model,
  countParams,
  createAutoencoder,
  createDenoisingAutoencoder,
  createModel,
  createVae,
  decode,
  disposeModel,
  encode,
  outputMean,
  reconstruct,
  sampleImages,
  trainableVariables,
} from "./model/model";
export { type NoiseFn, gaussianNoise, maskingNoise, noiseFunction, saltAndPepperNoise } from "./model/noise";

// Training: the step, the loop, its progress, checkpoints.
export {
  NonFiniteLossError,
  type StepFunction,
  type StepResult,
  createOptimizer,
  trainStep,
} from "./train/step";
export {
  type EpochRecord,
  type TrainOptions,
  type TrainResult,
  TrainingError,
  formatEpoch,
  historyRows,
  train,
} from "./train/loop";
export { type ProgressReporter, type StepProgress, progressReporter } from "./train/progress";
export type { AdamState, Moment, TrainingState } from "./train/resume";
export { loadCheckpoint, loadWeights, saveCheckpoint } from "./train/checkpoint";

// Evaluation.
export {
  type EvalOptions,
  EvaluationStopped,
  type IwaeNllOptions,
  type Metrics,
  type Stoppable,
  anomalyScores,
  evaluateElbo,
  evaluateLoss,
  iwaeNll,
} from "./eval/loss";
export { type ReconstructionErrors, denoisingPsnr, reconstructionErrors } from "./eval/reconstruction";
export { type Codes, type ProbeOptions, encodeSet, knnAccuracy, linearProbeAccuracy } from "./eval/probe";
export { rocAuc } from "./eval/roc";
/** Fréchet distance between Gaussians fitted to features (the FID formula), with its linear algebra. */
export {
  type GaussianFit,
  fitGaussian,
  frechetDistance,
  sqrtSymmetric,
  symmetricEigen,
} from "./eval/frechet";
/**
 * The course's classifier (MNIST, Fashion-MNIST), trained once per settings and cached beside the
 * runs: predictions for label shares, its last hidden layer as features for Fréchet distance and
 * precision/recall.
 */
export {
  CLASSIFIER_SETTINGS,
  type Classification,
  type Classifier,
  type ClassifierSettings,
  type Features,
  type Images,
  type LoadClassifierOptions,
  loadClassifier,
} from "./eval/classifier";
/** Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019): quality and coverage, apart. */
export {
  type PrecisionRecall,
  type PrecisionRecallOptions,
  knnRadii,
  precisionRecall,
} from "./eval/precision-recall";
/** A Gaussian mixture fitted by EM: a density for codes fitted after training, to sample from. */
export { type GaussianMixture, type MixtureOptions, fitMixture } from "./eval/mixture";
/** Generated images against real ones in the classifier's features: Fréchet, precision, recall, label shares. */
export {
  type GenerationOptions,
  type GenerationScores,
  type RealReference,
  generationScores,
  labelScores,
  realReference,
} from "./eval/generation";

// Data: MNIST and Fashion-MNIST, image sets and batches, seeded randomness.
export { CLASS_NAMES, type Dataset, type DatasetName, loadDataset } from "./data/datasets";
export { DataFileError } from "./data/idx";
export {
  type Batch,
  type ImageSet,
  batches,
  binarize,
  binarizeStatic,
  sliceImageSet,
  toImageSet,
} from "./data/batches";
export { type Purpose, Rng, randomStream } from "./random";

// Figures: charts, image grids, tables; showing them in a notebook and exporting them.
export {
  type ErrorBars,
  type Figure,
  barChart,
  ecdfChart,
  heatmap,
  histogram,
  latentScatter,
  lineChart,
  lossChart,
} from "./figures/charts";
export { digitGrid, interpolationGrid, latentManifold, reconstructionGrid } from "./figures/images";
export { latentManifoldWithAxes } from "./figures/manifold-axes";
export { inverseNormalCdf } from "./figures/normal";
export { showFigure, showImage } from "./figures/display";
export { showTable, tableCsv, tableText } from "./figures/tables";
export { exportFigure, exportTable, saveImage } from "./figures/export";

// Exercises.
export { checkExercise } from "./exercises";

// Backend and run mode.
export {
  type BackendName,
  type BackendReport,
  type SelectBackendOptions,
  describeBackend,
  selectBackend,
} from "./backend";
export { type RunMode, isQuick, pick, runMode } from "./mode";
