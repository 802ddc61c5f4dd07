// Drift checks on a budget. Each object's next check is at a fixed phase of the resync period (a
// hash of its phase key: its uid, or a group such as its DNS zone, so records of one zone are
// checked together and one zone listing answers them all), so checks are spread evenly over the
// period whenever the objects were made. And each account's checks are held under a read budget:
// the period is cut into windows, each taking at most `readsPerSecond × window` reads; a check
// whose window is full takes the next one with room. What one check costs is measured, not
// guessed: the account's requests (counted on its limiters) over its checks, a decaying average,
// so a zone listing shared by many records costs each of them a fraction of a read.
//
// When the budget cannot cover N objects × reads per check in one period, checks go to later
// windows and the period stretches: `stats()` says by how much (the metrics show it).
import { createHash } from 'node:crypto';
import type { ScheduleOptions } from './index.ts';

export interface ResyncBudgetOptions {
  /** The resync period: how often each object is checked when the budget allows. */
  periodMs: number;
  /** Reads a second each account's drift checks may cost (0: no budget, only the spreading). */
  readsPerSecond: number;
  /** The budget's granularity (default 1 s): no window takes more than its share of reads. */
  windowMs?: number;
  now?: () => number;
}

/** An account limiter as an adapter sees it (sdk's RequestLimiter, which this floor cannot import). */
export interface CountedLimiter {
  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<T>;
  throttled(): void;
  succeeded(): void;
}

/** What the budget of one account looks like now. */
export interface AccountResync {
  account: string;
  /** The budget: reads a second (0: none). */
  budgetReadsPerSecond: number;
  /** What one check costs, measured (requests per check). */
  readsPerCheck: number;
  /** Reads reserved for checks over the coming period, per second. */
  scheduledReadsPerSecond: number;
  /** How far ahead the last reserved check is: the period, or more when the budget stretched it. */
  periodMs: number;
}

/** Weight of the past in the reads-per-check average, per check. */
const DECAY = 0.99;

interface Account {
  /** Reads reserved per window index. */
  windows: Map<number, number>;
  /** For a full window: a later window to look at next (skips runs of full windows, compressed). */
  skip: Map<number, number>;
  /** Requests counted since the last check ended. */
  requests: number;
  /** Decaying sums of requests and of checks. */
  requestSum: number;
  checkSum: number;
  /** The furthest reserved check, in ms on the clock. */
  furthest: number;
  /** Windows before this index were forgotten. */
  prunedBefore: number;
}

export class ResyncBudget {
  private readonly periodMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly accounts = new Map<string, Account>();
  /** Per account, each config's own budget and when it was last said (configs on one account share it). */
  private readonly budgets = new Map<string, Map<string, { readsPerSecond: number; at: number }>>();
  private readonly readsPerSecond: number;

  constructor(options: ResyncBudgetOptions) {
    this.periodMs = options.periodMs;
    this.windowMs = Math.min(options.windowMs ?? 1000, options.periodMs);
    this.readsPerSecond = options.readsPerSecond;
    this.now = options.now ?? Date.now;
  }

  /**
   * A config's own budget for its account (its spec.rateLimits.resyncReadsPerSecond; undefined:
   * none). Several configs on one account: the lowest any of them sets holds (0, no budget, only
   * when all say so), whichever config was used last; a config not heard of for two periods
   * (deleted, or no longer used) no longer counts.
   */
  setBudget(account: string, config: string, readsPerSecond: number | undefined): void {
    let own = this.budgets.get(account);
    if (readsPerSecond === undefined) {
      own?.delete(config);
      return;
    }
    if (!own) this.budgets.set(account, (own = new Map<string, { readsPerSecond: number; at: number }>()));
    own.set(config, { readsPerSecond, at: this.now() });
  }

  private budgetOf(account: string): number {
    const own = this.budgets.get(account);
    if (!own?.size) return this.readsPerSecond;
    const since = this.now() - 2 * this.periodMs;
    // 0 is "no budget", the most any config can ask: it holds only when every config says so.
    let lowest = Infinity;
    let unbudgeted = false;
    for (const [config, b] of own) {
      if (b.at < since) own.delete(config);
      else if (b.readsPerSecond > 0) lowest = Math.min(lowest, b.readsPerSecond);
      else unbudgeted = true;
    }
    return Number.isFinite(lowest) ? lowest : unbudgeted ? 0 : this.readsPerSecond;
  }

  private account(key: string): Account {
    let a = this.accounts.get(key);
    if (!a) {
      a = { windows: new Map(), skip: new Map(), requests: 0, requestSum: 0, checkSum: 0, furthest: 0, prunedBefore: 0 };
      this.accounts.set(key, a);
    }
    return a;
  }

  /** The limiter, each request it runs counted to the account (what a check costs is measured from them). */
  counting(account: string, limiter: CountedLimiter): CountedLimiter {
    const a = this.account(account);
    return {
      schedule: (fn, options) => {
        a.requests++;
        return limiter.schedule(fn, options);
      },
      throttled: () => limiter.throttled(),
      succeeded: () => limiter.succeeded(),
    };
  }

  /**
   * A check of this account's just ended: the delay until the object's next, its reads reserved.
   * `everyMs`: the object asks to be checked that often (its own interval): then at that delay
   * instead of its phase, still under the budget, so no number of such asks exceeds the account's.
   */
  next(account: string, phaseKey: string, everyMs?: number): number {
    const a = this.account(account);
    a.requestSum = a.requestSum * DECAY + a.requests;
    a.checkSum = a.checkSum * DECAY + 1;
    a.requests = 0;
    const now = this.now();
    const at = everyMs === undefined ? this.phaseSlot(phaseKey, now) : now + everyMs;
    const reads = a.requestSum / a.checkSum;
    const budget = this.budgetOf(account);
    if (!(budget > 0) || reads <= 0) return at - now;
    const slot = this.reserve(a, at, reads, budget, now);
    a.furthest = Math.max(a.furthest, slot);
    return slot - now;
  }

  /** The next time at the key's phase of the period, at least a tenth of a period away. */
  private phaseSlot(key: string, now: number): number {
    const phase = createHash('sha256').update(key).digest().readUInt32BE(0) % this.periodMs;
    let at = now + ((((phase - now) % this.periodMs) + this.periodMs) % this.periodMs);
    if (at - now < this.periodMs / 10) at += this.periodMs;
    return at;
  }

  /** The first window at or after `at` with room for `reads`; the check's time within it. */
  private reserve(a: Account, at: number, reads: number, budget: number, now: number): number {
    const cap = (budget * this.windowMs) / 1000;
    const past = Math.floor(now / this.windowMs);
    if (past > a.prunedBefore) {
      // Windows gone by are forgotten, once per window at most (the map is not in time order).
      for (const w of a.windows.keys()) if (w < past) a.windows.delete(w);
      for (const w of a.skip.keys()) if (w < past) a.skip.delete(w);
      a.prunedBefore = past;
    }
    const full = (w: number) => (a.windows.get(w) ?? 0) >= cap;
    const first = Math.floor(at / this.windowMs);
    let w = first;
    const seen: number[] = [];
    while (full(w)) {
      seen.push(w);
      w = Math.max(w + 1, a.skip.get(w) ?? 0);
    }
    for (const s of seen) a.skip.set(s, w);
    const used = a.windows.get(w) ?? 0;
    // The reads fill this window's room, the rest spill into the next ones: no window takes more than its share.
    for (let left = reads, x = w; left > 0; x++) {
      const room = Math.max(0, cap - (a.windows.get(x) ?? 0));
      const take = Math.min(room, left);
      if (take > 0) a.windows.set(x, (a.windows.get(x) ?? 0) + take);
      left -= take;
    }
    // Checks sharing a window are spread across it, in the order they were booked.
    return Math.max(at, w * this.windowMs + Math.min(1, used / cap) * this.windowMs);
  }

  /** Each account's budget, cost per check and effective period. */
  stats(): AccountResync[] {
    const now = this.now();
    return [...this.accounts].map(([account, a]) => {
      const from = Math.floor(now / this.windowMs);
      const to = Math.floor((now + this.periodMs) / this.windowMs);
      let reserved = 0;
      for (const [w, reads] of a.windows) if (w >= from && w < to) reserved += reads;
      return {
        account,
        budgetReadsPerSecond: this.budgetOf(account),
        readsPerCheck: a.checkSum ? a.requestSum / a.checkSum : 0,
        scheduledReadsPerSecond: reserved / (this.periodMs / 1000),
        // A phase may be up to a tenth of a period past it (phaseSlot): beyond that, the budget stretched it.
        periodMs: a.furthest - now > 1.1 * this.periodMs ? a.furthest - now : this.periodMs,
      };
    });
  }
}
