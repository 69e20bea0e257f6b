/** Letting the event loop run during long computations. */

/**
 * Resolves after the event loop has had a turn: printed lines reach a notebook, timers fire and
 * signal handlers (Ctrl-C) run. A long loop of synchronous TensorFlow.js calls awaits it between
 * steps, or nothing else happens until it ends.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
