// Per-key exponential failure backoff with jitter: the n-th consecutive failure of a key waits a
// random time between half and all of base × factor^(n-1), that ceiling capped at max; a success
// forgets the key. With the defaults one key waits 2.5–5, 5–10, 10–20, 20–40 … 150–300 s. The
// jitter is why thousands of objects that failed together (an outage, a throttled account) do not
// all come back in the same instant and fail together again.
//
// A conflict (the object or the cloud changed while it was being reconciled) is worth retrying
// sooner, but not hot: it counts in the same per-key sequence, from a first step a tenth of the
// base (0.5, 1, 2 … s with the defaults), so a key that keeps conflicting backs off too.

export interface BackoffOptions {
  /** First delay's ceiling. Default 5000 (5 s). */
  baseMs?: number;
  /** Largest delay, hints included. Default 300000 (300 s). */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /** First delay's ceiling after a conflict. Default a tenth of baseMs. */
  conflictBaseMs?: number;
  /** Numbers in [0, 1] for the jitter; 1 gives the ceiling itself. Default Math.random. */
  random?: () => number;
}

export const BACKOFF_DEFAULTS = { baseMs: 5_000, maxMs: 300_000, factor: 2 } as const satisfies BackoffOptions;

/** What failed: most failures take the full step; a conflict a smaller first one. */
export type FailureKind = 'failure' | 'conflict';

export class Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly conflictBaseMs: number;
  private readonly random: () => number;
  private readonly counts = new Map<string, number>();

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? BACKOFF_DEFAULTS.baseMs;
    this.maxMs = options.maxMs ?? BACKOFF_DEFAULTS.maxMs;
    this.factor = options.factor ?? BACKOFF_DEFAULTS.factor;
    this.conflictBaseMs = options.conflictBaseMs ?? this.baseMs / 10;
    this.random = options.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs) || !(this.factor >= 1) || !(this.conflictBaseMs > 0 && this.conflictBaseMs <= this.baseMs)) {
      throw new RangeError(
        `backoff needs 0 < base <= max, factor >= 1 and 0 < conflict base <= base, got base ${this.baseMs} ms, max ${this.maxMs} ms, factor ${this.factor}, conflict base ${this.conflictBaseMs} ms`,
      );
    }
  }

  /**
   * Records a failure of `key` and returns how long to wait before the next attempt. A hint from
   * the failure (a Retry-After, a throttling response) raises the delay, never lowers it; it is
   * capped at max like the rest, so a key is always looked at again within max.
   */
  failure(key: string, retryAfterMs?: number, kind: FailureKind = 'failure'): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    // Past the cap the exponent stops mattering; clamping it keeps the arithmetic finite.
    const exponent = Math.min(n - 1, 64);
    const first = kind === 'conflict' ? this.conflictBaseMs : this.baseMs;
    const ceiling = Math.min(first * this.factor ** exponent, this.maxMs);
    const delay = Math.round(ceiling * (0.5 + 0.5 * clamp01(this.random())));
    const hint = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.min(retryAfterMs, this.maxMs) : 0;
    return Math.max(delay, hint);
  }

  /** Consecutive failures recorded for `key` since it was last forgotten. */
  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** A success: the key's next failure starts again at base. */
  forget(key: string): void {
    this.counts.delete(key);
  }

  /** Keys with at least one failure on record. */
  get size(): number {
    return this.counts.size;
  }
}

const clamp01 = (x: number) => (x >= 0 ? Math.min(x, 1) : 0);
