/**
 * vae-lab: the library the notebooks import (`import * as vl from "../dist"`).
 * Every public name is re-exported here.
 */

// Environment: backend, run mode, seeding.
export * from "./backend";
export * from "./mode";

// Data: IDX files, MNIST and Fashion-MNIST.
export * from "./data/idx";
export * from "./data/datasets";

// Models, losses, training, evaluation (library).
// @@library-exports@@

// Speed: kernel fixes for the wasm backend.
// @@speed-exports@@

// Figures, images and tables.
// @@figures-exports@@
export * from "./figures/png";
export * from "./figures/normal";
export * from "./figures/images";
export * from "./figures/display";
