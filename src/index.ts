/**
 * vae-lab: the library the notebooks import (`import * as vl from "../dist"`).
 * Every public name is re-exported here.
 */

// Environment: backend and run mode.
export * from "./backend";
export * from "./mode";

// Data: IDX files, MNIST and Fashion-MNIST.
export * from "./data/idx";
export * from "./data/datasets";

// Seeding, batches, models, losses, training, evaluation.
export * from "./random";
export * from "./records";
export * from "./data/batches";
export * from "./model/config";
export * from "./model/networks";
export * from "./model/model";
export * from "./model/likelihoods";
export * from "./model/kl";
export * from "./model/reparameterize";
export * from "./model/noise";
export * from "./model/schedules";
export * from "./model/losses";
export * from "./train/step";
export * from "./train/loop";
export * from "./train/progress";
export * from "./train/checkpoint";
export * from "./eval/loss";
export * from "./eval/reconstruction";
export * from "./eval/probe";
export * from "./eval/roc";

// Speed: kernel fixes for the wasm backend.
export * from "./speed/wasm-fixes";
export * from "./speed/wasm-threads";
export * from "./speed/fused-adam";
export * from "./speed/sum-of-squares";
export * from "./speed/fused-bernoulli";

// Figures, images and tables.
export * from "./figures/png";
export * from "./figures/normal";
export * from "./figures/images";
export * from "./figures/charts";
export * from "./figures/plotly";
export * from "./figures/browser";
export * from "./figures/display";
export * from "./figures/tables";
export * from "./figures/export";
