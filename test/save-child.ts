/**
 * A process for the checkpoint tests to kill: `node --import tsx test/save-child.ts DIR STEP`
 * saves version `VERSION` (default 1) of a small model into DIR, with metrics `{ version }`, and
 * kills itself with SIGKILL right after STEP of the save; STEP "loop" saves versions 1, 2, 3, ...
 * until it is killed, printing each one it completed; STEP "hold" takes DIR's lock, prints
 * "holding" and waits to be killed.
 */
import { createModel, disposeModel, saveCheckpoint, selectBackend } from "../src";
import { saveHooks } from "../src/train/checkpoint";
import { lockFolder } from "../src/train/lock";

/** The model saved as `version`: its weights are drawn from the version as seed. */
export function versionModel(version: number) {
  return createModel({ inputShape: [28, 28, 1], latentDim: 8, hidden: [256], seed: version });
}

async function main(): Promise<void> {
  const [dir, step] = process.argv.slice(2);
  if (step === "hold") {
    lockFolder(dir);
    console.log("holding");
    setInterval(() => {}, 1000);
    return;
  }
  await selectBackend({ backend: "cpu" });
  if (step !== "loop") {
    saveHooks.afterStep = (done) => {
      if (done === step) process.kill(process.pid, "SIGKILL");
    };
    const version = Number(process.env.VERSION ?? 1);
    saveCheckpoint(versionModel(version), dir, { version }, undefined, { metrics: { version } });
    return;
  }
  for (let version = 1; ; version++) {
    const model = versionModel(version);
    saveCheckpoint(model, dir, { version });
    disposeModel(model);
    console.log(version);
  }
}

if (require.main === module) void main();
