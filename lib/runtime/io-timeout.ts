/**
 * A timeout that loses to I/O that was already done when it fell due.
 *
 * A plain `setTimeout` races the event loop's phases: timers run before I/O callbacks, so when the
 * loop was stalled (a GC pause, a starved CPU, a slow synchronous step) for longer than the timeout,
 * the timer fires first and reports a connection that the kernel completed during the stall as timed
 * out. The proxy then fails over from a healthy primary, and the shim counts a healthy service down.
 * This timeout, when due, waits one more turn (`setImmediate`, after the poll phase), so the I/O that
 * completed in time is seen first, and calls `onTimeout` only if nothing cancelled it by then.
 *
 * @returns a function that cancels the timeout (idempotent).
 */
export function ioTimeout(ms: number, onTimeout: () => void): () => void {
  let immediate: NodeJS.Immediate | undefined;
  let cancelled = false;
  const timer = setTimeout(() => {
    immediate = setImmediate(() => {
      if (!cancelled) onTimeout();
    });
  }, ms);
  return () => {
    cancelled = true;
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
