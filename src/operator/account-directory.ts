// Whose account each ProviderConfig reaches, as this process's own probe found it: the account
// limiters are keyed by it (account-key.ts). Every replica learns it itself, whether or not it
// writes the config's status (a namespaced operator writes none). A probe is a connection through
// the config, so it is made only for a config this operator may use: as soon as it is seen or
// changes when its grant admits a watched namespace (`usable`), so its limiter is the account's
// from the first call; else only when a limiter of it is used, for an object its grant admitted.
// Never for another team's config. One probe in flight per config, a failed one asked again only
// after `retryMs`. What it found is kept while the config's connection fields stay; when the
// config or its Secret changes, it is kept as a best guess until asked again.
import type { Logger } from 'pino';
import { isAdapterError, type ProbeReport } from '../../sdk/index.ts';
import { realClock, type Clock } from '../runtime/clock.ts';
import type { AccountView } from './account-key.ts';

type Probed = NonNullable<AccountView['probed']>;

/** The fields that decide whom a config reaches: another value, another account perhaps. */
const reach = (pc: AccountView) => JSON.stringify([pc.type, pc.region, pc.endpoint, pc.credentials]);

export interface AccountDirectoryOptions {
  configs: { get(name: string): AccountView | undefined };
  /** The provider's probe for the config (the status checker's): a report, undefined when it has none. */
  probe: (name: string) => Promise<ProbeReport | undefined>;
  log: Logger;
  /** Whether an object this operator watches may use the config (its grant admits a watched namespace). */
  usable?: (name: string) => boolean;
  retryMs?: number;
  clock?: Clock;
}

export class AccountDirectory {
  private readonly o: AccountDirectoryOptions;
  private readonly clock: Clock;
  private readonly known = new Map<string, { reach: string; probed: Probed }>();
  private readonly asking = new Set<string>();
  /** Changed since the last probe began (its Secret perhaps): what is known is a guess until asked again. */
  private readonly stale = new Set<string>();
  private readonly failedAt = new Map<string, number>();

  constructor(options: AccountDirectoryOptions) {
    this.o = options;
    this.clock = options.clock ?? realClock;
  }

  /** What the last probe of the config as it is now found; undefined until one answered. */
  of(pc: AccountView & { name: string }): Probed | undefined {
    const k = this.known.get(pc.name);
    return k && k.reach === reach(pc) ? k.probed : undefined;
  }

  /**
   * A limiter of the config is used (its object admitted): what the last probe found, and a probe
   * when the account is unknown or the config changed since, unless one is in flight or failed lately.
   */
  use(pc: AccountView & { name: string }): Probed | undefined {
    const probed = this.of(pc);
    if (!probed || this.stale.has(pc.name)) this.learn(pc.name);
    return probed;
  }

  /** The config or its Secret changed (or was first seen): ask now if usable, else at its next use. */
  changed(name: string): void {
    this.failedAt.delete(name);
    this.stale.add(name);
    if (this.o.usable?.(name)) this.learn(name);
  }

  /** Probe the config, unless a probe is in flight or failed lately. */
  learn(name: string): void {
    const pc = this.o.configs.get(name);
    if (!pc || this.asking.has(name)) return;
    const failed = this.failedAt.get(name);
    if (failed !== undefined && this.clock.now() - failed < (this.o.retryMs ?? 60_000)) return;
    this.asking.add(name);
    this.stale.delete(name);
    void this.ask(name, reach(pc)).finally(() => this.asking.delete(name));
  }

  private async ask(name: string, asked: string): Promise<void> {
    try {
      const report = await this.o.probe(name);
      const probed = { account: report?.account, endpoint: report?.endpoint };
      if (!probed.account && !probed.endpoint) return;
      this.known.set(name, { reach: asked, probed });
      this.failedAt.delete(name);
      this.o.log.info({ providerConfig: name }, 'ProviderConfig account learned; its limiters are the account\'s');
    } catch (err) {
      this.failedAt.set(name, this.clock.now());
      // The reason only: a probe's message is the provider's words.
      const reason = isAdapterError(err) ? err.reason : 'ProviderError';
      this.o.log.debug({ providerConfig: name, reason }, 'could not learn the ProviderConfig\'s account; its limiters are keyed by its endpoint and credentials meanwhile');
    }
  }
}
