// Rate limits around every cloud call. Two layers: a per-resource limiter (one call at a time per
// object, so a slow object cannot hog the cloud or race itself), and a per-account limiter per
// API (Route 53 allows 5 requests a second per account) that slows down when the cloud throttles
// us and speeds up again, gently, when it stops (additive increase, multiplicative decrease).
import Bottleneck from 'bottleneck';

export interface AccountLimit {
  /** Steady requests per second; undefined = no rate limit. */
  requestsPerSecond?: number | undefined;
  /** Requests in flight at once; undefined = no bound. */
  maxConcurrent?: number | undefined;
}

/** The slowest the account limiter gets under sustained throttling: one request per 10 s. */
const MAX_INTERVAL_MS = 10_000;
/**
 * Each success adds this many requests a second back, up to the configured rate (additive
 * increase): from the 10 s floor to 5 requests a second in about ten successes and 15 s. A
 * multiplicative step every few successes took minutes at the floor, leaving work stalled long
 * after the cloud stopped throttling.
 */
const RECOVERY_RPS = 0.5;

export class AccountLimiter {
  readonly key: string;
  private readonly limiter: Bottleneck;
  private baseIntervalMs: number;
  private intervalMs: number;
  /** Starts go through this chain one at a time, each at least an interval after the last. */
  private startGate: Promise<void> = Promise.resolve();
  private lastStartAt = -Infinity;
  throttledCount = 0;

  constructor(key: string, limit: AccountLimit) {
    this.key = key;
    this.baseIntervalMs = limit.requestsPerSecond ? Math.ceil(1000 / limit.requestsPerSecond) : 0;
    this.intervalMs = this.baseIntervalMs;
    this.limiter = new Bottleneck({ minTime: this.intervalMs, maxConcurrent: limit.maxConcurrent ?? null });
  }

  /**
   * Runs one cloud request under the account's limit. Bottleneck spaces the moments it decides to
   * start jobs, but a busy event loop can fire two of its timers together; clouds count arrivals,
   * so each start also waits, in turn, until an interval has passed since the last actual start.
   * (Chaos seed 1998953612 found it: 23 S3 requests in one second under an 18/s limit.)
   */
  schedule<T>(fn: () => Promise<T>): Promise<T> {
    return this.limiter.schedule(() => {
      const started = this.startGate.then(() => this.waitForSlot());
      this.startGate = started;
      return started.then(fn);
    });
  }

  private async waitForSlot(): Promise<void> {
    // Timers may fire a little early on the monotonic clock: check again after each wait.
    for (let wait = this.lastStartAt + this.intervalMs - performance.now(); wait > 0; wait = this.lastStartAt + this.intervalMs - performance.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
    this.lastStartAt = performance.now();
  }

  /** The cloud said "slow down": double the spacing between requests. */
  throttled(): void {
    this.throttledCount++;
    this.intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(this.intervalMs * 2, this.baseIntervalMs, 100));
    this.limiter.updateSettings({ minTime: this.intervalMs });
  }

  /** A request went through: move back towards the configured rate, one step of rate per success. */
  succeeded(): void {
    if (this.intervalMs <= this.baseIntervalMs) return;
    const next = Math.floor(1000 / (1000 / this.intervalMs + RECOVERY_RPS));
    this.intervalMs = next < Math.max(this.baseIntervalMs, 50) ? this.baseIntervalMs : next;
    this.limiter.updateSettings({ minTime: this.intervalMs });
  }

  /** Applies a changed ProviderConfig limit. */
  reconfigure(limit: AccountLimit): void {
    this.baseIntervalMs = limit.requestsPerSecond ? Math.ceil(1000 / limit.requestsPerSecond) : 0;
    this.intervalMs = Math.max(this.intervalMs, this.baseIntervalMs);
    this.limiter.updateSettings({ minTime: this.intervalMs, maxConcurrent: limit.maxConcurrent ?? null });
  }

  get currentIntervalMs(): number {
    return this.intervalMs;
  }

  queued(): number {
    return this.limiter.counts().QUEUED;
  }
}

export class Limits {
  // Idle per-resource limiters expire, so 10,000 objects do not keep 10,000 limiters alive.
  private readonly resources = new Bottleneck.Group({ maxConcurrent: 1, timeout: 5 * 60_000 });
  private readonly accounts = new Map<string, { limiter: AccountLimiter; limit: string }>();

  /** Runs an adapter call for one resource, one at a time per resource key. */
  forResource<T>(resourceKey: string, fn: () => Promise<T>): Promise<T> {
    return this.resources.key(resourceKey).schedule(fn);
  }

  /** The limiter for one account and API (e.g. `aws/prod:route53`), made or reconfigured on use. */
  account(key: string, limit: AccountLimit): AccountLimiter {
    const wanted = JSON.stringify([limit.requestsPerSecond, limit.maxConcurrent]);
    const entry = this.accounts.get(key);
    if (!entry) {
      const limiter = new AccountLimiter(key, limit);
      this.accounts.set(key, { limiter, limit: wanted });
      return limiter;
    }
    if (entry.limit !== wanted) {
      entry.limiter.reconfigure(limit);
      entry.limit = wanted;
    }
    return entry.limiter;
  }

  accountLimiters(): AccountLimiter[] {
    return [...this.accounts.values()].map((e) => e.limiter);
  }
}
