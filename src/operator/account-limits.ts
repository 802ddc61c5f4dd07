// Which account limiter a config's API call goes through, and at what rate: the limiter is the
// account's (account-key.ts), so several configs on one account meet in it. Each config may ask
// for less than the cloud's default (spec.rateLimits); the account goes at the tightest any live
// config on it asks for, so a config asking for more cannot undo another's caution. The bound on
// requests in flight (rateLimits.maxConcurrent) stays the config's own: the cloud counts rates by
// account, but a call in flight holds its client's connection, and a config whose endpoint hangs
// must not hold the slots of another config reaching the account elsewhere.
import type { RequestLimiter } from '../../sdk/index.ts';
import type { AccountLimit, Limits } from '../limits/index.ts';
import type { AccountDirectory } from './account-directory.ts';
import { accountKey, type AccountView, type ConnectsAs } from './account-key.ts';

/** A config as the limits read it (a ProviderConfigView is one). */
interface LimitedView extends AccountView {
  name: string;
  rateLimits?: { requestsPerSecond?: number | undefined; maxConcurrent?: number | undefined } | undefined;
}

/** A name no cloud API has: the regional form of an account's key, for the read budget. */
const RESYNC_API = 'drift-checks';

/** The least of two optional bounds (undefined: none). */
const least = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

export class AccountLimits {
  private readonly limits: Limits;
  private readonly defaults: Record<string, AccountLimit>;
  private readonly configs: { get(name: string): unknown };
  /** Per account key: what each config on it asks for. */
  private readonly asked = new Map<string, Map<string, AccountLimit>>();
  /** Per `config\0api`: the key it went through last (a config whose account became known moves). */
  private readonly keyOf = new Map<string, string>();
  /** Whose accounts this process's own probes found (the status, when written, comes first). */
  directory: AccountDirectory | undefined;

  constructor(limits: Limits, defaults: Record<string, AccountLimit>, configs: { get(name: string): unknown }) {
    this.limits = limits;
    this.defaults = defaults;
    this.configs = configs;
  }

  /**
   * The account alone (`<type>:<account>[@region]`), as the drift checks' read budget
   * (src/limits/resync.ts) keys it: the same keying as the limiters, without the API.
   */
  account(pc: LimitedView): string {
    const probed = pc.probed ?? this.directory?.of(pc);
    return accountKey({ ...pc, probed }, RESYNC_API).slice(0, -(RESYNC_API.length + 1));
  }

  limiter(pc: LimitedView, api: string, as?: ConnectsAs): RequestLimiter {
    const probed = pc.probed ?? this.directory?.use(pc);
    const key = accountKey({ ...pc, probed }, api, as);
    const moved = this.keyOf.get(`${pc.name}\0${api}`);
    if (moved !== undefined && moved !== key) this.asked.get(moved)?.delete(pc.name);
    this.keyOf.set(`${pc.name}\0${api}`, key);
    const asked = this.asked.get(key) ?? new Map<string, AccountLimit>();
    this.asked.set(key, asked);
    asked.set(pc.name, { requestsPerSecond: pc.rateLimits?.requestsPerSecond });
    let limit: AccountLimit = { requestsPerSecond: this.defaults[api]?.requestsPerSecond };
    for (const [name, l] of asked) {
      if (name !== pc.name && !this.configs.get(name)) asked.delete(name);
      else limit = { requestsPerSecond: least(limit.requestsPerSecond, l.requestsPerSecond) };
    }
    const account = this.limits.account(key, limit);
    const max = pc.rateLimits?.maxConcurrent;
    return max === undefined ? account : this.limits.bounded(`${pc.name}:${api}`, max, account);
  }
}
