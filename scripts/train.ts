/**
 * Command-line trainer: trains an AE, DAE or VAE on MNIST or Fashion-MNIST, prints progress,
 * and writes a checkpoint plus metrics.json to --out.
 *
 *   npm run train -- --model vae --dataset mnist --epochs 10 --seed 1 --out runs/vae-mlp --iwae-k 100
 *
 * Ctrl-C once stops after the current epoch (checkpoint kept); twice quits at once.
 */
import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type BackendName,
  type ModelConfig,
  type NoiseKind,
  type TrainOptions,
  binarizeStatic,
  createModel,
  describeBackend,
  evaluateElbo,
  freeBits,
  iwaeNll,
  linearWarmup,
  loadDataset,
  reconstructionErrors,
  saveCheckpoint,
  selectBackend,
  sliceImageSet,
  toImageSet,
  train,
} from "../src";

const USAGE = `Usage: npm run train -- [options]
  --model vae|ae|dae          model kind (default vae)
  --dataset mnist|fashion-mnist  (default mnist)
  --epochs N                  (default 10)
  --batch-size N              (default 128)
  --lr X                      Adam learning rate (default 1e-3)
  --latent N                  latent dimension (default 20)
  --hidden N[,N...]           dense hidden widths (default 400)
  --arch mlp|conv             (default mlp)
  --filters N[,N...]          conv filters (default 32,64)
  --activation NAME           relu|elu|tanh|... (default relu)
  --likelihood bernoulli|gaussian  (default bernoulli)
  --sigma X                   Gaussian sigma (default 1); --learn-sigma to learn it
  --noise gaussian|masking|salt-and-pepper  --noise-level X   (dae; default gaussian 0.5)
  --beta X                    KL weight (default 1); --warmup-steps N for linear KL warm-up
  --free-bits X               free bits per latent dimension (nats)
  --binarize none|static|dynamic  (default none: grey pixels in [0, 1])
  --limit N                   use only the first N training images
  --test-limit N              use only the first N test images
  --seed S                    seed of weights, data order and noise (default 1)
  --out DIR                   checkpoint + metrics.json (default runs/<model>-<dataset>)
  --backend wasm|cpu|tensorflow   (default: fastest available)
  --iwae-k K                  IWAE estimate of -log p(x) with K samples after training (0: skip)
  --iwae-n N                  ... on the first N test images (default all)
  --log-every N               progress line every N steps (default 100)`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));
  const { values: a } = parseArgs({
    args: argv,
    options: {
      model: { type: "string", default: "vae" },
      dataset: { type: "string", default: "mnist" },
      epochs: { type: "string", default: "10" },
      "batch-size": { type: "string", default: "128" },
      lr: { type: "string", default: "1e-3" },
      latent: { type: "string", default: "20" },
      hidden: { type: "string", default: "400" },
      arch: { type: "string", default: "mlp" },
      filters: { type: "string", default: "32,64" },
      activation: { type: "string", default: "relu" },
      likelihood: { type: "string", default: "bernoulli" },
      sigma: { type: "string", default: "1" },
      "learn-sigma": { type: "boolean", default: false },
      noise: { type: "string", default: "gaussian" },
      "noise-level": { type: "string", default: "0.5" },
      beta: { type: "string", default: "1" },
      "warmup-steps": { type: "string", default: "0" },
      "free-bits": { type: "string", default: "0" },
      binarize: { type: "string", default: "none" },
      limit: { type: "string" },
      "test-limit": { type: "string" },
      seed: { type: "string", default: "1" },
      out: { type: "string" },
      backend: { type: "string" },
      "iwae-k": { type: "string", default: "0" },
      "iwae-n": { type: "string" },
      "log-every": { type: "string", default: "100" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (a.help) return console.log(USAGE);
  const num = (name: keyof typeof a) => {
    const v = Number(a[name]);
    if (!Number.isFinite(v))
      throw new Error(`--${name} must be a number, got ${JSON.stringify(a[name])}.\n${USAGE}`);
    return v;
  };
  const list = (name: "hidden" | "filters") => (a[name] as string).split(",").filter(Boolean).map(Number);
  const oneOf = <T extends string>(name: keyof typeof a, allowed: readonly T[]): T => {
    if (!allowed.includes(a[name] as T))
      throw new Error(`--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(a[name])}.`);
    return a[name] as T;
  };

  const dataset = oneOf("dataset", ["mnist", "fashion-mnist"] as const);
  const kind = oneOf("model", ["vae", "ae", "dae"] as const);
  const binarization = oneOf("binarize", ["none", "static", "dynamic"] as const);
  const seed = num("seed");
  const out = a.out ?? join("runs", `${kind}-${dataset}`);

  const backend = await selectBackend(a.backend ? { backend: a.backend as BackendName } : {});
  console.log(describeBackend(backend));

  const config: Partial<ModelConfig> = {
    kind,
    arch: oneOf("arch", ["mlp", "conv"] as const),
    latentDim: num("latent"),
    hidden: list("hidden"),
    filters: list("filters"),
    activation: a.activation as ModelConfig["activation"],
    likelihood: oneOf("likelihood", ["bernoulli", "gaussian"] as const),
    sigma: num("sigma"),
    learnSigma: a["learn-sigma"],
    noise: kind === "dae" ? { kind: a.noise as NoiseKind, level: num("noise-level") } : undefined,
    seed,
  };
  const model = createModel(config);

  let trainSet = toImageSet(await loadDataset(dataset, "train", a.limit ? { limit: num("limit") } : {}));
  let testSet = toImageSet(
    await loadDataset(dataset, "test", a["test-limit"] ? { limit: num("test-limit") } : {}),
  );
  if (binarization === "static") {
    trainSet = binarizeStatic(trainSet, seed);
    testSet = binarizeStatic(testSet, seed + 1);
  }
  console.log(
    `${kind} ${model.config.arch} on ${dataset}: ${trainSet.n} training and ${testSet.n} test images; writing to ${out}`,
  );

  const controller = new AbortController();
  process.on("SIGINT", () => {
    if (controller.signal.aborted) process.exit(130);
    console.log(
      "\nStopping after this epoch (the checkpoint keeps what was learnt); Ctrl-C again to quit now.",
    );
    controller.abort();
  });

  const warmup = num("warmup-steps");
  const lambda = num("free-bits");
  const options: TrainOptions = {
    epochs: num("epochs"),
    batchSize: num("batch-size"),
    learningRate: num("lr"),
    seed,
    testSet,
    beta: warmup > 0 ? linearWarmup(warmup, num("beta")) : num("beta"),
    klTerm: lambda > 0 ? freeBits(lambda) : undefined,
    binarization: binarization === "dynamic" ? "dynamic" : "none",
    logEvery: num("log-every"),
    signal: controller.signal,
    onEpochEnd: (record) => saveCheckpoint(model, out, { dataset, seed, epoch: record.epoch }),
  };
  const { history, stopped } = await train(model, trainSet, options);

  const final = evaluateElbo(model, testSet, { seed });
  const reconstruction = reconstructionErrors(model, testSet);
  const trainedEpochs = history.length;
  const secondsPerEpoch = history.reduce((s, r) => s + r.seconds, 0) / Math.max(1, trainedEpochs);
  console.log(
    `test -ELBO ${final.loss.toFixed(2)} = recon ${final.recon.toFixed(2)} + kl ${final.kl.toFixed(2)} nats per image; ${secondsPerEpoch.toFixed(1)} s/epoch on ${backend.backend}`,
  );
  console.log(
    `reconstruction: BCE ${reconstruction.bce.toFixed(2)} nats, MSE ${reconstruction.mse.toFixed(5)}, PSNR ${reconstruction.psnr.toFixed(2)} dB`,
  );

  let iwae: { k: number; n: number; nll: number; seconds: number } | undefined;
  const k = num("iwae-k");
  if (k > 0 && kind === "vae") {
    const set = a["iwae-n"] ? sliceImageSet(testSet, 0, num("iwae-n")) : testSet;
    const start = Date.now();
    let lastLog = start;
    const nll = iwaeNll(model, set, {
      k,
      seed,
      onProgress: (done, total) => {
        if (Date.now() - lastLog > 10000) {
          console.log(`IWAE k=${k}: ${done}/${total} images`);
          lastLog = Date.now();
        }
      },
    });
    iwae = { k, n: set.n, nll, seconds: (Date.now() - start) / 1000 };
    console.log(
      `IWAE estimate of -log p(x), k=${k}, ${set.n} test images: ${nll.toFixed(2)} nats (${iwae.seconds.toFixed(0)} s)`,
    );
  }

  const metrics = {
    command: `npm run train -- ${argv.join(" ")}`,
    backend: backend.backend,
    seed,
    config: model.config,
    options: {
      ...options,
      testSet: undefined,
      signal: undefined,
      onEpochEnd: undefined,
      beta: warmup > 0 ? `linearWarmup(${warmup}, ${num("beta")})` : options.beta,
      klTerm: lambda > 0 ? `freeBits(${lambda})` : undefined,
    },
    stopped,
    history,
    test: final,
    reconstruction,
    iwae,
    secondsPerEpoch,
  };
  saveCheckpoint(model, out, { dataset, seed, epoch: trainedEpochs, test: final, iwae });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "metrics.json"), JSON.stringify(metrics, null, 2));
  console.log(`wrote ${out}/ (config.json, weights.bin, weights.json, metrics.json)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? `Error: ${err.message}` : err);
  process.exit(1);
});
