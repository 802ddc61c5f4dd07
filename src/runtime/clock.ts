// Time as a dependency: everything in the runtime that waits takes a Clock, so tests drive time by
// hand (FakeClock.advance) and never assert against the wall clock.

/** A scheduled callback; `cancel()` is safe to call after it fired or was cancelled. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (real) or since the fake clock's start. */
  now(): number;
  /** Runs `fn` once, `ms` from now (0 or less: on the next turn, never synchronously). */
  setTimeout(fn: () => void, ms: number): Timer;
}

// Node fires a timer longer than this after 1 ms (with a warning), so longer waits go in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Node's timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    let handle: NodeJS.Timeout;
    const arm = (left: number) => {
      handle = left > MAX_TIMER_MS ? setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
    };
    arm(ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * Resolves after `ms`, or at once when `signal` aborts. It never rejects: callers that wait in a
 * loop check their own stop flag after waking.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Lets every promise chain that can make progress without time passing settle. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer due within the window in
 * due-time order (ties in scheduling order), with `now()` set to each timer's due time, and lets
 * promise chains settle after each one, so work a timer starts (and timers it sets) runs too.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<Scheduled>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const entry: Scheduled = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(entry);
    return { cancel: () => this.timers.delete(entry) };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Due times of the pending timers, soonest first, relative to now. */
  pendingDelays(): number[] {
    return [...this.timers].sort(order).map((t) => t.at - this.current);
  }

  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    await settle();
    for (let next = this.nextDue(end); next; next = this.nextDue(end)) {
      this.timers.delete(next);
      this.current = next.at;
      next.fn();
      await settle();
    }
    this.current = end;
    await settle();
  }

  private nextDue(end: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.timers) if (t.at <= end && (!best || order(t, best) < 0)) best = t;
    return best;
  }
}

function order(a: Scheduled, b: Scheduled): number {
  return a.at - b.at || a.seq - b.seq;
}
