// Rate limits around every cloud call. Two layers: a per-resource limiter (one call at a time per
// object, so a slow object cannot hog the cloud or race itself), and a per-account limiter per
// API (Route 53 allows 5 requests a second per account) that slows down when the cloud throttles
// us and speeds up again, gently, when it stops (additive increase, multiplicative decrease).
// Pacing, not retrying: a throttled call still fails, and src/reconcile/retry.ts decides when the
// object is looked at again.
import Bottleneck from 'bottleneck';

export interface AccountLimit {
  /** Steady requests per second; undefined = no rate limit. */
  requestsPerSecond?: number | undefined;
}

/** The slowest the account limiter gets under sustained throttling: one request per 10 s. */
const MAX_INTERVAL_MS = 10_000;

/** The sdk's ScheduleOptions (this floor cannot import the sdk): `ahead` queues before the rest. */
export interface ScheduleOptions {
  ahead?: boolean | undefined;
}

/** Bottleneck's priorities (a config's slots): 0 first, 9 last, 5 its default. */
const priorityOf = (options: ScheduleOptions | undefined) => ({ priority: options?.ahead ? 1 : 5 });
/**
 * Each success adds this many requests a second back, up to the configured rate (additive
 * increase): from the 10 s floor to 5 requests a second in about ten successes and 15 s. A
 * multiplicative step every few successes took minutes at the floor, leaving work stalled long
 * after the cloud stopped throttling.
 */
const RECOVERY_RPS = 0.5;

/** This replica's place among the live members that share every account's budget. */
export interface Share {
  /** 0-based rank among the members, the same order on every replica. */
  index: number;
  /** How many members share the budget. */
  of: number;
}

export const SOLE: Share = { index: 0, of: 1 };

/**
 * Shared by replicas, each window is this much longer. The members' starts add up to the budget,
 * but a request leaves its process some time after its start, and on a busy node one process's
 * event loop may hold it for a hundred milliseconds or more while another's does not: the cloud
 * then counts two windows' requests in one second (seen on the test stack: 6 in a second at a load
 * average of 15 on 2 cores). One process alone delays its own requests alike, and needs none.
 */
export const SHARED_SLACK_MS = 250;

/**
 * What one replica may start: `cap` requests in any window of `windowMs`. The account's budget is
 * B = ⌈rps⌉ requests per window of B/rps seconds (never shorter than a second, so no second of the
 * cloud's sees more than B), split by rank into whole requests: the members' caps add up to B, so
 * their sum holds in every window whatever their phases. Members outnumbering B each get one per a
 * longer window: the rate still adds up, the per-second bound no longer does (operations.md).
 */
export function windowOf(requestsPerSecond: number, share: Share): { cap: number; windowMs: number } {
  const budget = Math.max(1, Math.ceil(requestsPerSecond));
  const of = Math.max(1, share.of);
  const slack = of > 1 ? SHARED_SLACK_MS : 0;
  if (of > budget) return { cap: 1, windowMs: (1000 * of) / requestsPerSecond + slack };
  const cap = Math.floor(budget / of) + (share.index < budget % of ? 1 : 0);
  return { cap, windowMs: (1000 * budget) / requestsPerSecond + slack };
}

/** Of two shares, the one giving an account of this rate the smaller cap. */
function smaller(requestsPerSecond: number | undefined, a: Share, b: Share): Share {
  if (!requestsPerSecond) return a;
  return windowOf(requestsPerSecond, b).cap < windowOf(requestsPerSecond, a).cap ? b : a;
}

export class AccountLimiter {
  readonly key: string;
  private baseIntervalMs = 0;
  private intervalMs = 0;
  private requestsPerSecond: number | undefined;
  private share: Share;
  private window = { cap: Infinity, windowMs: 0 };
  /** Recent starts, oldest first, at most `window.cap` of them. */
  private readonly starts: number[] = [];
  /** Requests waiting for their start, those asked ahead first; one pump starts them in turn. */
  private readonly waiting: { ahead: (() => void)[]; rest: (() => void)[] } = { ahead: [], rest: [] };
  private pumping = false;
  private lastStartAt = -Infinity;
  throttledCount = 0;
  /** Set by Limits: passes this replica's throttling on to the other members. */
  onThrottled: (() => void) | undefined;

  constructor(key: string, limit: AccountLimit, share: Share = SOLE) {
    this.key = key;
    this.share = share;
    this.setRate(limit.requestsPerSecond);
    this.intervalMs = this.baseIntervalMs;
  }

  /** The base spacing and window from the rate and this replica's share; keeps a throttled spacing. */
  private setRate(requestsPerSecond: number | undefined): void {
    this.requestsPerSecond = requestsPerSecond;
    this.window = requestsPerSecond ? windowOf(requestsPerSecond, this.share) : { cap: Infinity, windowMs: 0 };
    this.baseIntervalMs = requestsPerSecond ? Math.ceil(this.window.windowMs / this.window.cap) : 0;
  }

  /** Takes this replica's new share of the account's budget (membership changed). */
  reshare(share: Share): void {
    const slowedDown = this.intervalMs > this.baseIntervalMs;
    this.share = share;
    this.setRate(this.requestsPerSecond);
    this.intervalMs = slowedDown ? Math.max(this.intervalMs, this.baseIntervalMs) : this.baseIntervalMs;
  }

  /** The configured rate, before any share or slow-down. */
  get requestsPerSecondNow(): number | undefined {
    return this.requestsPerSecond;
  }

  /** The cap this limiter would have under another share. */
  capUnder(share: Share): number {
    return this.requestsPerSecond ? windowOf(this.requestsPerSecond, share).cap : Infinity;
  }

  /** Requests this replica may start in any window (Infinity when the account has no rate). */
  get windowCap(): number {
    return this.window.cap;
  }

  /**
   * Runs one cloud request under the account's limit. Starts are spaced by the pump below, which
   * checks the clock itself before each: a busy event loop can fire several timers together, and
   * clouds count arrivals (chaos seed 1998953612 found 23 S3 requests in one second under an 18/s
   * limit when a timer library spaced them). A request asked `ahead` starts before those waiting
   * without it, at the next free start.
   */
  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<T> {
    const started = new Promise<void>((resolve) => (options?.ahead ? this.waiting.ahead : this.waiting.rest).push(resolve));
    void this.pump();
    return started.then(fn);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.ahead.length + this.waiting.rest.length > 0) {
        // Timers may fire a little early on the monotonic clock: check again after each wait.
        for (let wait = this.untilFree(); wait > 0; wait = this.untilFree()) {
          await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
        }
        this.lastStartAt = performance.now();
        this.starts.push(this.lastStartAt);
        while (this.starts.length > Math.min(this.window.cap, 1024)) this.starts.shift();
        (this.waiting.ahead.shift() ?? this.waiting.rest.shift())!();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** How long until a start keeps both the spacing and the window's cap. */
  private untilFree(): number {
    const now = performance.now();
    const spacing = this.lastStartAt + this.intervalMs - now;
    const full = this.starts.length >= this.window.cap;
    const window = full ? (this.starts[0] ?? -Infinity) + this.window.windowMs - now : 0;
    return Math.max(spacing, window);
  }

  /** The cloud said "slow down": double the spacing between requests, and tell the other members. */
  throttled(): void {
    this.throttledCount++;
    this.slowDown();
    this.onThrottled?.();
  }

  /** Doubles the spacing between requests (capped), whoever saw the throttling. */
  slowDown(): void {
    this.intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(this.intervalMs * 2, this.baseIntervalMs, 100));
  }

  /** A request went through: move back towards the configured rate, one step of rate per success. */
  succeeded(): void {
    if (this.intervalMs <= this.baseIntervalMs) return;
    const next = Math.floor(1000 / (1000 / this.intervalMs + RECOVERY_RPS));
    this.intervalMs = next < Math.max(this.baseIntervalMs, 50) ? this.baseIntervalMs : next;
  }

  /** Applies a changed ProviderConfig limit. */
  reconfigure(limit: AccountLimit): void {
    this.setRate(limit.requestsPerSecond);
    this.intervalMs = Math.max(this.intervalMs, this.baseIntervalMs);
  }

  get currentIntervalMs(): number {
    return this.intervalMs;
  }

  queued(): number {
    return this.waiting.ahead.length + this.waiting.rest.length;
  }
}

/**
 * A ProviderConfig's own bound on its requests in flight (`rateLimits.maxConcurrent`), in front of
 * its account's limiter. Concurrency is the client's, rate the account's: configs on one account
 * share the rate, but a config whose endpoint hangs (a blackholed proxy) holds only its own slots,
 * never another config's. A call takes its config's slot first, then waits for the account's start.
 */
export class BoundedLimiter {
  readonly account: AccountLimiter;
  private readonly slots: Bottleneck;

  constructor(account: AccountLimiter, slots: Bottleneck) {
    this.account = account;
    this.slots = slots;
  }

  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<T> {
    return this.slots.schedule(priorityOf(options), () => this.account.schedule(fn, options));
  }

  throttled(): void {
    this.account.throttled();
  }

  succeeded(): void {
    this.account.succeeded();
  }
}

/**
 * One call at a time per key, in arrival order. A key holds only the tail of its chain, and only
 * while calls are pending: a Bottleneck per key (a Group) kept about 4 KiB of heap per object for
 * minutes after its last call (docs/performance.md).
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = result.then(settled, settled);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a call pending or running. */
  get size(): number {
    return this.tails.size;
  }
}

const settled = (): void => undefined;

export class Limits {
  private readonly resources = new KeyedSerial();
  private readonly accounts = new Map<string, { limiter: AccountLimiter; limit: string }>();
  /** Per config and API: its bound on requests in flight. */
  private readonly bounds = new Map<string, { slots: Bottleneck; max: number }>();
  /** The share applied to every limiter. */
  private share: Share = SOLE;
  /** A share that would grow some limiter, waiting in `growing`; meanwhile each takes the smaller. */
  private pending: Share | undefined;
  private growing: NodeJS.Timeout | undefined;
  private readonly throttleListeners: ((key: string) => void)[] = [];

  /** Runs an adapter call for one resource, one at a time per resource key. */
  forResource<T>(resourceKey: string, fn: () => Promise<T>): Promise<T> {
    return this.resources.run(resourceKey, fn);
  }

  /** The limiter for one account and API (e.g. `aws:123456789012:route53`), made or reconfigured on use. */
  account(key: string, limit: AccountLimit): AccountLimiter {
    const wanted = JSON.stringify([limit.requestsPerSecond]);
    const entry = this.accounts.get(key);
    if (!entry) {
      const limiter = new AccountLimiter(key, limit, this.pending ? smaller(limit.requestsPerSecond, this.share, this.pending) : this.share);
      limiter.onThrottled = () => this.throttleListeners.forEach((l) => l(key));
      this.accounts.set(key, { limiter, limit: wanted });
      return limiter;
    }
    if (entry.limit !== wanted) {
      entry.limiter.reconfigure(limit);
      entry.limit = wanted;
    }
    return entry.limiter;
  }

  /** The account's limiter behind a config's own bound on requests in flight (key: `<config>:<api>`). */
  bounded(key: string, maxConcurrent: number, account: AccountLimiter): BoundedLimiter {
    let bound = this.bounds.get(key);
    if (!bound) {
      bound = { slots: new Bottleneck({ maxConcurrent }), max: maxConcurrent };
      this.bounds.set(key, bound);
    } else if (bound.max !== maxConcurrent) {
      bound.slots.updateSettings({ maxConcurrent });
      bound.max = maxConcurrent;
    }
    return new BoundedLimiter(account, bound.slots);
  }

  /**
   * This replica's new share of every account's budget. A smaller share applies at once; a larger
   * one only after `growAfterMs`, the time every other member takes to see the same membership and
   * shrink its own: the members' sum never exceeds the budget while they disagree.
   */
  reshare(next: Share, growAfterMs: number): void {
    clearTimeout(this.growing);
    this.growing = undefined;
    const grows = [...this.accounts.values()].some(({ limiter }) => limiter.capUnder(next) > limiter.windowCap);
    if (!grows || growAfterMs <= 0) return this.apply(next);
    this.pending = next;
    for (const { limiter } of this.accounts.values()) limiter.reshare(smaller(limiter.requestsPerSecondNow, this.share, next));
    this.growing = setTimeout(() => this.apply(next), growAfterMs);
    this.growing.unref();
  }

  private apply(share: Share): void {
    this.share = share;
    this.pending = undefined;
    for (const { limiter } of this.accounts.values()) limiter.reshare(share);
  }

  /** Called with an account key each time the cloud throttles this replica there. */
  onThrottled(listener: (key: string) => void): void {
    this.throttleListeners.push(listener);
  }

  /** Another member was throttled on this account: slow down here too (no echo to the listeners). */
  throttledElsewhere(key: string): void {
    this.accounts.get(key)?.limiter.slowDown();
  }

  accountLimiters(): AccountLimiter[] {
    return [...this.accounts.values()].map((e) => e.limiter);
  }

  stop(): void {
    clearTimeout(this.growing);
  }
}
