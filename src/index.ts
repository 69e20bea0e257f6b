/**
 * vae-lab: the library the notebooks import (`import * as vl from "../dist"`).
 * The public API, by topic. Everything not listed here is internal.
 */

/** The maths: likelihoods, KL, reparameterization, the forward pass, losses and bounds. */
export { bernoulliLogLikelihood, gaussianLogLikelihood } from "./model/likelihoods";
export {
  klGaussians,
  klMonteCarlo,
  klPerDimension,
  klStandardNormal,
  logNormal,
  logStandardNormal,
} from "./model/kl";
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
export {
  type ElboParts,
  type GaussianQ,
  type LogPrior,
  elbo,
  gaussianElbo,
  gaussianIwaeBound,
  iwaeBound,
  posterior,
} from "./model/elbo";
export { type BetaSchedule, type Progress, cyclicalBeta, linearWarmup } from "./model/schedules";

/** Models: autoencoder, denoising autoencoder, VAE; their input noise and its levels. */
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
  decodeMean,
  disposeModel,
  encode,
  outputMean,
  reconstruct,
  sampleImages,
  trainableVariables,
} from "./model/model";
export { NOISE_LEVELS, noiseLabel } from "./model/noise";
export {
  type NoiseFn,
  gaussianNoise,
  maskingNoise,
  mixedNoise,
  noiseFunction,
  saltAndPepperNoise,
} from "./model/noise";
/** Priors p(z): N(0, I), a learned mixture of Gaussians, the VampPrior. */
export {
  type MixturePriorOptions,
  type Prior,
  logGaussianMixture,
  mixturePrior,
  standardNormalPrior,
  vampPrior,
} from "./model/priors";

/** A GAN of the VAE's size (notebook 09): the two networks, their losses, their steps, the loop. */
export {
  type Gan,
  type GanConfig,
  createGan,
  discriminate,
  discriminatorLoss,
  discriminatorVariables,
  disposeGan,
  generate,
  generatorLoss,
  generatorVariables,
} from "./model/gan";
export {
  GAN_ADAM,
  type GanAdamSettings,
  type GanBatch,
  type GanOptimizers,
  type GanStepFunction,
  type GanStepResult,
  type GeneratorLoss,
  createGanOptimizers,
  discriminatorStep,
  ganStep,
  generatorStep,
} from "./model/gan-steps";
export {
  type GanEpochRecord,
  type GanTrainOptions,
  type GanTrainResult,
  formatGanEpoch,
  trainGan,
} from "./model/gan-training";

/**
 * Conditional and semi-supervised VAEs: the label as an input of both networks (q(z | x, y),
 * p(x | z, y)), and M2, where the label is a latent variable of the images that have none.
 */
export {
  checkCondition,
  conditionalElbo,
  conditionalForward,
  conditionalLoss,
  createConditionalVae,
  decodeConditional,
  decodeWithEachLabel,
  encodeConditional,
  encodeEveryLabel,
  sampleConditional,
} from "./model/conditional";
export {
  type M2,
  type M2Batch,
  type M2LossParts,
  type M2Options,
  type M2Weights,
  classificationLoss,
  createLabelClassifier,
  createM2,
  disposeM2,
  labelledNegBound,
  m2Loss,
  m2Variables,
  unlabelledNegBound,
} from "./model/m2";
export {
  type LabelsAloneOptions,
  type M2StepOptions,
  classifierAccuracy,
  m2Step,
  trainOnLabelsAlone,
} from "./train/semi-supervised";
export { type LabelledSplit, splitLabelled } from "./data/labelled-split";
export { conditionalTestBound, meanKlPerDimension } from "./eval/conditional";
export { updateOn } from "./train/update";
/** Image completion (Sohn et al. 2015, as Pyro's tutorial runs it): quadrants in, the rest out. */
export {
  type CompletionCvae,
  MISSING,
  type Quadrants,
  baselineLogits,
  completeDigits,
  completionLoss,
  completionPrior,
  createCompletionBaseline,
  createCompletionCvae,
  missingNegLogLikelihood,
  observedPart,
  quadrantMask,
} from "./model/completion";
export { completionBaselineStep, completionCvaeStep } from "./train/completion";
export { type CompletionScoreOptions, type CompletionScores, completionScores } from "./eval/completion";

/**
 * Training: the step, the loop, its progress and defaults, checkpoints; runs on disk (one writer
 * per folder, writes that lose nothing) and what the command-line trainer checks before it starts.
 */
export {
  NonFiniteLossError,
  type StepFunction,
  type StepResult,
  createOptimizer,
  trainStep,
} from "./train/step";
export { type TrainResult, train } from "./train/loop";
export type { TrainOptions } from "./train/options";
export { TRAINING_DEFAULTS } from "./train/defaults";
export { type EpochRecord, formatEpoch, historyRows, testLossText } from "./train/history";
export { TrainingError } from "./train/divergence";
export { type ProgressReporter, type StepProgress, progressReporter } from "./train/progress";
export type { AdamState, Moment, TrainingState } from "./train/resume";
export {
  type SaveOptions,
  checkSaveTarget,
  loadCheckpoint,
  loadMetrics,
  loadWeights,
  readCheckpointConfig,
  saveCheckpoint,
} from "./train/checkpoint";
export { FolderLockedError, type LockHolder, lockFolder } from "./train/lock";
export { checkWritableFolder, fileProblem, writeFix } from "./files";
export { ACTIVATIONS, DEFAULT_CONFIG, NOISE_KINDS, modelConfig } from "./model/config";
export { checkDataEnvironment } from "./data/datasets";

/**
 * Evaluation: test losses and bounds, reconstruction errors, what the codes know (probes, nearest
 * neighbours), the PCA baseline, anomaly scores.
 */
export {
  type EvalOptions,
  type EvaluateLossOptions,
  EvaluationStopped,
  type IwaeNllOptions,
  type Metrics,
  type Stoppable,
  evaluateElbo,
  evaluateLoss,
  iwaeNll,
} from "./eval/loss";
export { type ReconstructionErrors, denoisingPsnr, reconstructionErrors } from "./eval/reconstruction";
export { type CodeTensors, type Codes, encodeAll, encodeSet } from "./eval/codes";
export { nearestDistances } from "./eval/nearest";
export {
  PROBE_PENALTIES,
  type ProbeOptions,
  type ProbeResult,
  knnAccuracy,
  linearProbe,
  linearProbeAccuracy,
} from "./eval/probe";
export {
  type MeanAndCovariance,
  type PrincipalComponents,
  disposePrincipalComponents,
  meanAndCovariance,
  pcaEncode,
  pcaReconstruct,
  principalComponents,
} from "./eval/pca";
export { type RocCurve, rocAuc, rocCurve } from "./eval/roc";
export {
  type ImageScores,
  type ScoreName,
  type ScoreOptions,
  anomalyScores,
  batchScores,
  scoreImages,
  scoreNames,
} from "./eval/anomaly";
export { compressedBits } from "./eval/complexity";
/** The true posterior of a 2-D VAE on a grid, the inference gaps, the aggregate posterior, active units. */
export {
  type GaussianVersusPosterior,
  type GridPosterior,
  type LatentGrid,
  compareWithPosterior,
  gridPosterior,
  latentGrid,
  logJointOnGrid,
  logMarginalOnGrid,
} from "./eval/posterior-grid";
export {
  type Fit,
  type FitOptions,
  type PerImageOptions,
  fitGaussians,
  perImageElbo,
  perImageIwae,
} from "./eval/gaps";
export {
  type GridFit,
  type GridFitOptions,
  type GridWindows,
  fitGaussiansOnGrid,
  gridElbo,
  gridWindows,
} from "./eval/grid-fit";
export {
  type Share,
  type Surgery,
  elboSurgery,
  holeShare,
  logAggregatePosterior,
} from "./eval/aggregate-posterior";
export { ACTIVITY_THRESHOLD, type UnitActivity, unitActivity } from "./eval/active-units";
/** Fréchet distance between Gaussians fitted to features (the FID formula). */
export { type GaussianFit, fitGaussian, frechetDistance } from "./eval/frechet";
/**
 * The course's classifier (MNIST, Fashion-MNIST), trained once per settings and cached beside the
 * runs: predictions for label shares, its last hidden layer as features for Fréchet distance and
 * precision/recall.
 */
export { CLASSIFIER_SETTINGS, type ClassifierSettings } from "./eval/classifier-settings";
export {
  type Classification,
  type Classifier,
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

/**
 * Experiments: a factorial design (the KL term x the input: AE, DAE, VAE, denoising VAE) trained
 * over seeds and measured at several budgets into one tidy table; its statistics (Welch's t, main
 * effects and interaction); the VAE-versus-DAE protocol of notebooks 06 and 07, its measures and
 * the articles' claims.
 */
export {
  type Cell,
  type CellName,
  type FactorialDesign,
  type FactorialOptions,
  type FactorialResult,
  type FactorialRow,
  type MeasureRun,
  type RunInfo,
  type RunTime,
  CELLS,
  cellModel,
  runFactorial,
} from "./experiments/factorial";
export {
  type CellSummaries,
  type Effect,
  type FactorialEffects,
  type Summary,
  BEYOND_SPREAD,
  compare,
  contrast,
  factorialEffects,
  summarise,
  welchT,
} from "./experiments/effects";
export {
  type EffectVerdict,
  type Factor,
  FACTOR_NAMES,
  Summaries,
  comparisonTable,
  effectLines,
  effectVerdict,
  effectsTable,
  formatEffect,
  formatSummary,
  learningCurve,
} from "./experiments/summaries";
export {
  type GenerationScore,
  type GeneratedImageScores,
  type MeasureContext,
  type MeasureSettings,
  type Sampler,
  GENERATION_SCORES,
  MEASURE,
  SAMPLERS,
  betterDirection,
  codeShift,
  decodeCodes,
  denoisingMeasure,
  drawsInHoles,
  imageScores,
  measureContext,
  measureVaeVersusDae,
  sampleCodes,
  samplerMeasure,
  scoreCodes,
} from "./experiments/vae-versus-dae-measures";
export {
  type VaeVersusDaeData,
  type VaeVersusDaeResult,
  type VaeVersusDaeSettings,
  CLASSIFIER_ACCURACY_FLOOR,
  TRAINING_NOISE,
  experimentClassifier,
  experimentFile,
  loadExperiment,
  realScores,
  runVaeVersusDae,
  saveExperiment,
  vaeVersusDaeData,
  vaeVersusDaeDesign,
  vaeVersusDaeSettings,
} from "./experiments/vae-versus-dae";
export {
  CURVE_MEASURES,
  HEADLINE_MEASURES,
  boundsTable,
  claimTable,
  coverageLine,
  frechetTable,
  holeLines,
  holesTable,
  samplerImages,
} from "./experiments/vae-versus-dae-report";
export {
  type Claim,
  type ClaimVerdict,
  type Comparison,
  type ComparisonOutcome,
  type Side,
  type Verdict,
  SAMPLING_PART,
  claimLines,
  differenceParts,
  flippedVerdicts,
  judgeClaim,
  vaeVersusDaeClaims,
  verdicts,
} from "./experiments/claims";

/** Data: MNIST and Fashion-MNIST, image sets and batches, seeded randomness. */
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

/**
 * Figures: charts, image grids, tables; showing them in a notebook and exporting them; what the
 * figure-export and Jupyter scripts need (the browser that renders static images, plotly's names).
 */
export {
  type ChartOptions,
  type ErrorBars,
  type Figure,
  type Trace,
  barChart,
  ecdfChart,
  heatmap,
  histogram,
  latentScatter,
  lineChart,
  lossChart,
  type RightAxis,
  rocChart,
} from "./figures/charts";
export { readableFigure } from "./figures/readable";
export { digitGrid, interpolationGrid, latentManifold, reconstructionGrid } from "./figures/images";
export { latentManifoldWithAxes } from "./figures/manifold-axes";
export { type DensityPanel, type PanelEllipse, densityPanels } from "./figures/density-panels";
export { inverseNormalCdf } from "./figures/normal";
export { PLOTLY_MIME, showFigure, showImage } from "./figures/display";
export { showTable, tableCsv, tableText } from "./figures/tables";
export { type ExportResult, exportFigure, exportTable, figuresDir, saveImage } from "./figures/export";
export { closeBrowser, findChromium } from "./figures/browser";
export { PLOTLY_NBEXTENSION, figureTitle } from "./figures/plotly";

/**
 * Numbers from tensors in one call (every tensor disposed), and statistics of samples of numbers:
 * what lets a notebook cell show a formula rather than `tf.tidy`, `dataSync` and `dispose`.
 */
export { type Numbers, number, numbers } from "./numbers";
export { type SampleStatistics, logMeanExp, median, quantile, sampleStatistics } from "./statistics";

/**
 * Exercises: the one call of a check cell, `exercise("03.1", answer)`, whose references and cases
 * live in `src/exercises/`; `checkExercise` until every notebook has moved to it. (The path names
 * the index file: a stale `dist/exercises.js` from before the folder would shadow the folder.)
 */
export { checkExercise } from "./exercises/check";
export { type AnswerOf, type ExerciseId, type GivenOf, exercise } from "./exercises/index";

/**
 * Backend and run mode: `selectBackend` starts the fastest backend this machine has (on wasm with
 * the library's kernels, which it installs; `VAE_LAB_WASM_FIXES=off` runs wasm as shipped) and says
 * what runs; `pick(quick, full)` chooses a setting by `VAE_LAB_MODE`.
 */
export {
  type BackendName,
  type BackendReport,
  type SelectBackendOptions,
  describeBackend,
  selectBackend,
} from "./backend";
export { type RunMode, isQuick, pick, runMode } from "./mode";
