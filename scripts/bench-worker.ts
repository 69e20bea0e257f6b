/**
 * One setup of `npm run bench` in a process of its own: the library's training step, encoder and
 * IWAE estimate on one backend, driven by scripts/bench.ts (the Node counterpart of
 * scripts/bench-pytorch.py).
 *
 * Usage: node --import tsx scripts/bench-worker.ts '{"backend": "wasm", "threads": 1}' [LIBRARY]
 * The JSON is `selectBackend`'s options; `VAE_LAB_WASM_FIXES` in the environment turns the kernel
 * fixes off or on. LIBRARY, a path to another checkout's compiled library (its `dist/`), measures
 * that version instead of this one. The worker prints one JSON line about its backend, then answers
 * one JSON line per request read from stdin: {"do": "model", "arch"}, {"do": "steps", "n"} (ms,
 * CPU ms of all the process's threads, and loss of each step), {"do": "encode", "runs"} (images encoded per second) and {"do": "iwae",
 * "from", "images", "k"} (ms and CPU ms for those test images, and their IWAE estimate).
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import * as readline from "node:readline";
import type * as tfjs from "@tensorflow/tfjs";
import type * as library from "../src";

type Library = typeof library;
type Request =
  | { do: "model"; arch: library.Architecture }
  | { do: "steps"; n: number }
  | { do: "encode"; runs: number }
  | { do: "iwae"; from: number; images: number; k: number };

const BATCH = 128;
const ENCODE_BATCH = 512;

/** This checkout's library, or the compiled one at `dir`, with the tfjs it runs on. */
function load(dir: string | undefined): { vl: Library; tf: typeof tfjs } {
  const entry = dir ? path.resolve(dir) : path.join(__dirname, "..", "src");
  const requireThere = createRequire(path.join(entry, "index"));
  return { vl: requireThere(entry) as Library, tf: requireThere("@tensorflow/tfjs") as typeof tfjs };
}

/** A model training on its own endless stream of batches, as in every setup of the bench. */
class Worker {
  private model?: library.Model;
  private optimizer?: tfjs.Optimizer;
  private stream?: Iterator<{ x: tfjs.Tensor2D }>;
  private step = 0;

  constructor(
    private readonly vl: Library,
    private readonly tf: typeof tfjs,
    private readonly train: library.ImageSet,
    private readonly test: library.ImageSet,
  ) {}

  answer(request: Request): object {
    if (request.do === "model") return this.newModel(request.arch);
    if (request.do === "steps") return this.steps(request.n);
    if (request.do === "encode") return { perSecond: this.encodeRate(request.runs) };
    return this.iwae(request.from, request.images, request.k);
  }

  private newModel(arch: library.Architecture): object {
    if (this.model) this.vl.disposeModel(this.model);
    this.optimizer?.dispose();
    this.model = this.vl.createVae({ arch, seed: 1 });
    this.optimizer = this.vl.createOptimizer();
    const { vl, train } = this;
    this.stream = (function* () {
      for (;;) yield* vl.batches(train, BATCH, { dropLast: true });
    })();
    this.step = 0;
    return {};
  }

  /** `n` steps (next batch + trainStep), each timed; the error of a setup that cannot train. */
  private steps(n: number): object {
    const { tf, vl, model } = this;
    const times: number[] = [];
    const cpu: number[] = [];
    const losses: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const { x } = this.stream!.next().value as { x: tfjs.Tensor2D };
        // Every setup sees the same noise: eps from the same stream, step by step.
        const seed = vl.randomStream(1, "eps", ++this.step).seed();
        const eps = tf.randomNormal([x.shape[0], model!.config.latentDim], 0, 1, "float32", seed);
        losses.push(vl.trainStep(model!, this.optimizer!, { x, input: x, eps: eps as tfjs.Tensor2D }).loss);
        eps.dispose();
        times.push(performance.now() - start);
        const { user, system } = process.cpuUsage(cpuStart);
        cpu.push((user + system) / 1000);
      }
    } catch (err) {
      return { times, cpu, losses, error: (err instanceof Error ? err.message : String(err)).split("\n")[0] };
    }
    return { times, cpu, losses };
  }

  /** Images encoded per second (mu and logVar of batches of 512), median of `runs` after one warm-up. */
  private encodeRate(runs: number): number {
    const { tf, vl } = this;
    const x = tf.tensor2d(this.test.pixels.subarray(0, ENCODE_BATCH * 784), [ENCODE_BATCH, 784]);
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const start = performance.now();
      const { mu, logVar } = vl.encode(this.model!, x);
      mu.dataSync();
      tf.dispose([mu, logVar]);
      if (i > 0) times.push(performance.now() - start);
    }
    x.dispose();
    times.sort((a, b) => a - b);
    return ENCODE_BATCH / (times[times.length >> 1] / 1000);
  }

  /** The library's IWAE estimate on test images from..from+images, timed. */
  private iwae(from: number, images: number, k: number): object {
    const set = this.vl.sliceImageSet(this.test, from, images);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const nll = this.vl.iwaeNll(this.model!, set, { k, seed: 1 });
    const { user, system } = process.cpuUsage(cpuStart);
    return { ms: performance.now() - start, cpu: (user + system) / 1000, nll };
  }
}

async function main(): Promise<void> {
  const [options, dir] = process.argv.slice(2);
  const { vl, tf } = load(dir);
  const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  let report: library.BackendReport;
  try {
    report = await vl.selectBackend(JSON.parse(options) as library.SelectBackendOptions);
  } catch (err) {
    send({ error: (err instanceof Error ? err.message : String(err)).split("\n")[0] });
    return;
  }
  const train = vl.toImageSet(await vl.loadDataset("mnist", "train", { limit: 8 * BATCH }));
  const test = vl.binarizeStatic(vl.toImageSet(await vl.loadDataset("mnist", "test", { limit: 1000 })), 1);
  const worker = new Worker(vl, tf, train, test);
  send({ backend: report.backend, threads: report.threads ?? 1, describe: vl.describeBackend(report) });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    send(worker.answer(JSON.parse(line) as Request));
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
