/**
 * Adam's update as one wasm kernel per variable (./kernels/adam.wat) in place of the twelve
 * element-wise kernels of tfjs-core 4.22's `AdamOptimizer.applyGradients`: the same float32
 * operations in the same order, so the same bits, with one pass over memory instead of twelve.
 *
 * tfjs has no Adam kernel to replace, so the fix is a kernel of its own (ADAM_UPDATE, registered on
 * the wasm backend with the other fixes) and a replacement of `applyGradients` on AdamOptimizer's
 * prototype, so that every `tf.train.adam` optimizer uses it while the fixes are installed. On a
 * backend without the kernel (cpu, wasm as shipped) the original method runs.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelFix, Uninstall, WasmKernelArgs } from "./kernel-registry";
import { kernelFunction, memoryOffset } from "./wasm-kernels";

/** Name of the kernel: inputs value, gradient, m, v, accBeta1, accBeta2; outputs value', m', v'. */
export const ADAM_UPDATE = "VaeLabAdamUpdate";

/** The private state of tfjs's AdamOptimizer that the update reads and writes (see ./compatibility.ts). */
export interface AdamOptimizerFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

type AdamInputs = Record<"value" | "gradient" | "m" | "v" | "accBeta1" | "accBeta2", tf.TensorInfo>;
type AdamAttrs = Pick<AdamOptimizerFields, "learningRate" | "beta1" | "beta2" | "epsilon">;
type AdamFn = (...addressesSizeAndScalars: number[]) => void;
type ApplyGradients = tf.AdamOptimizer["applyGradients"];

export const adamUpdateFix: KernelFix = {
  kernelName: ADAM_UPDATE,
  wasmKernels: ["adam"],
  shippedKernels: [],
  make: () => adamUpdate as unknown as tf.KernelFunc,
  patch: replaceAdamUpdate,
};

function adamUpdate({ inputs, backend, attrs }: WasmKernelArgs<AdamInputs, AdamAttrs>): tf.TensorInfo[] {
  const { value, gradient, m, v, accBeta1, accBeta2 } = inputs;
  const outputs = [value, m, v].map((t) => backend.makeOutput(t.shape, "float32"));
  const address = (t: tf.TensorInfo) => memoryOffset(backend, t);
  const { learningRate, beta1, beta2, epsilon } = attrs;
  kernelFunction<AdamFn>(backend, "adam")(
    ...[value, gradient, m, v, ...outputs].map(address),
    tf.util.sizeFromShape(value.shape),
    address(accBeta1),
    address(accBeta2),
    // The scalars tfjs makes of these JavaScript numbers (float32 on the way in, as tf.scalar does).
    beta1,
    1 - beta1,
    beta2,
    1 - beta2,
    -learningRate,
    epsilon,
  );
  return outputs;
}

/** Puts the fused update on AdamOptimizer's prototype; the returned function restores tfjs's own. */
function replaceAdamUpdate(): Uninstall {
  const prototype = tf.AdamOptimizer.prototype;
  const shipped = prototype.applyGradients;
  prototype.applyGradients = function (this: tf.AdamOptimizer, variableGradients) {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const fused =
      tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined &&
      named.every(({ tensor }) => tensor == null || tensor.dtype === "float32");
    if (!fused) return shipped.call(this, variableGradients);
    applyFused(this as unknown as AdamOptimizerFields, named);
    (this as unknown as { incrementIterations(): void }).incrementIterations();
  } satisfies ApplyGradients;
  return () => {
    prototype.applyGradients = shipped;
  };
}

/** tfjs's applyGradients (moments created on first use, accBeta1/2 advanced last) with the fused kernel. */
function applyFused(
  s: AdamOptimizerFields,
  named: readonly { name: string; tensor: tf.Tensor | null }[],
): void {
  const attrs = { learningRate: s.learningRate, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon };
  tf.tidy(() => {
    named.forEach(({ name, tensor: gradient }, i) => {
      const value = tf.engine().registeredVariables[name];
      s.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      s.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      if (gradient == null) return;
      const m = s.accumulatedFirstMoment[i].variable;
      const v = s.accumulatedSecondMoment[i].variable;
      const inputs = { value, gradient, m, v, accBeta1: s.accBeta1, accBeta2: s.accBeta2 };
      const [newValue, newM, newV] = tf.engine().runKernel(ADAM_UPDATE, inputs, attrs) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
    });
    s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
    s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
  });
}
