// Loaded into the tslab kernel by the notebook runner (NODE_OPTIONS=--require ...).
// tslab swallows promise rejections that nobody awaited, and errors thrown from timers after a
// cell has finished; both would pass silently. Record them so the runner fails the notebook.
const fs = require("node:fs");

// tslab's zeromq sockets sometimes reject a last send while the kernel shuts down (seen once in
// about twenty runs); that is the kernel's own shutdown, not notebook code.
const isShutdownRace = (err) => err instanceof Error && err.message === "Socket is closed";

const log = process.env.VAE_LAB_GUARD_LOG;
if (log) {
  const record = (kind, err) => {
    if (!isShutdownRace(err)) fs.appendFileSync(log, `${kind}: ${(err && err.stack) || String(err)}\n`);
  };
  process.on("unhandledRejection", (err) => record("unhandled promise rejection", err));
  process.on("uncaughtExceptionMonitor", (err) => record("uncaught exception", err));
}
