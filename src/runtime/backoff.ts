// Per-key exponential failure backoff: the n-th consecutive failure of a key waits
// base × factor^(n-1), capped at max; a success forgets the key. With the defaults one key waits
// 5, 10, 20, 40, 80, 160, 300, 300 … seconds.

export interface BackoffOptions {
  /** First delay. Default 5000 (5 s). */
  baseMs?: number;
  /** Largest delay, hints included. Default 300000 (300 s). */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
}

export const BACKOFF_DEFAULTS = { baseMs: 5_000, maxMs: 300_000, factor: 2 } as const satisfies Required<BackoffOptions>;

export class Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly factor: number;
  private readonly counts = new Map<string, number>();

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? BACKOFF_DEFAULTS.baseMs;
    this.maxMs = options.maxMs ?? BACKOFF_DEFAULTS.maxMs;
    this.factor = options.factor ?? BACKOFF_DEFAULTS.factor;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs) || !(this.factor >= 1)) {
      throw new RangeError(`backoff needs 0 < base <= max and factor >= 1, got base ${this.baseMs} ms, max ${this.maxMs} ms, factor ${this.factor}`);
    }
  }

  /**
   * Records a failure of `key` and returns how long to wait before the next attempt. A hint from
   * the failure (a Retry-After, a throttling response) raises the delay, never lowers it; it is
   * capped at max like the rest, so a key is always looked at again within max.
   */
  failure(key: string, retryAfterMs?: number): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    // Past the cap the exponent stops mattering; clamping it keeps the arithmetic finite.
    const exponent = Math.min(n - 1, 64);
    const delay = Math.min(this.baseMs * this.factor ** exponent, this.maxMs);
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

/** The `retryAfterMs` a thrown value carries, if it carries a usable one. */
export function retryAfterOf(err: unknown): number | undefined {
  const hint = (err as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  return typeof hint === 'number' && Number.isFinite(hint) && hint >= 0 ? hint : undefined;
}
