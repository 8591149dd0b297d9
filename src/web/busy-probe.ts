/**
 * How long the main thread is busy, whoever keeps it so (MediaPipe, the model, drawing, the browser): a chain of
 * 0 ms timers, which the browser runs about every 4 ms on an idle thread; every millisecond a tick comes later
 * than that, the thread was doing something else. Short tasks that fit between two ticks go unseen, so this is a
 * lower bound on busy time, good to within a few ms per frame. Costs some 250 tiny tasks a second: on for
 * measurements only.
 */
export class MainThreadProbe {
  /** Busy time since start, ms. */
  busyMs = 0;
  private last = 0;
  /** The shortest gap between ticks seen: the timer's own period on this browser. */
  private period = Number.POSITIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    if (this.timer !== undefined) return;
    this.last = performance.now();
    const tick = () => {
      const now = performance.now();
      const gap = now - this.last;
      this.last = now;
      if (gap < this.period && gap > 0) this.period = gap;
      // Until the period is known, count nothing above a 4 ms timer.
      const base = Number.isFinite(this.period) ? Math.max(this.period, 4) : 4;
      if (gap > base) this.busyMs += gap - base;
      this.timer = setTimeout(tick, 0);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
