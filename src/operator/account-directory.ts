// Whose account each ProviderConfig reaches, as this process's own probe found it: the account
// limiters are keyed by it (account-key.ts). Every replica learns it itself, whether or not it
// writes the config's status (a namespaced operator writes none): asked when the config or its
// Secret changes, and when a limiter finds it unknown; one probe in flight per config, and a
// failed one asked again only after `retryMs`. Kept while the config's connection fields stay.
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
  retryMs?: number;
  clock?: Clock;
}

export class AccountDirectory {
  private readonly o: AccountDirectoryOptions;
  private readonly clock: Clock;
  private readonly known = new Map<string, { reach: string; probed: Probed }>();
  private readonly asking = new Set<string>();
  /** Asked again (changed) while a probe was in flight: probe once more when it ends. */
  private readonly again = new Set<string>();
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

  /** The config or its Secret changed: probe it again (now, or as soon as the probe in flight ends). */
  changed(name: string): void {
    this.failedAt.delete(name);
    if (this.asking.has(name)) this.again.add(name);
    else this.learn(name);
  }

  /** A limiter found the account unknown: probe, unless one is in flight or failed lately. */
  learn(name: string): void {
    const pc = this.o.configs.get(name);
    if (!pc || this.asking.has(name)) return;
    const failed = this.failedAt.get(name);
    if (failed !== undefined && this.clock.now() - failed < (this.o.retryMs ?? 60_000)) return;
    this.asking.add(name);
    void this.ask(name, reach(pc)).finally(() => {
      this.asking.delete(name);
      if (this.again.delete(name)) this.learn(name);
    });
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
