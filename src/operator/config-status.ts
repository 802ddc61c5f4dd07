// A ProviderConfig's status: whether its credentials and endpoint work (the provider's probe, a
// cheap identity call), whom they reach, how many objects use the config, and when it was last
// checked. Checked at start, on a change to the config or its Secret, on a slow jittered interval,
// and when a resource using the config fails on its credentials; never more than one check in
// flight per config, and never two within `minIntervalMs` (later asks wait and are merged).
import type { Logger } from 'pino';
import { isAdapterError, RetryableError, TerminalError, withCallSignal, type ProbeReport } from '../../sdk/index.ts';
import type { Condition } from '../api/common.ts';
import { Reason } from '../reconcile/reasons.ts';
import { realClock, type Clock, type Timer } from '../runtime/clock.ts';
import { scrubber as processScrubber, type SecretScrubber } from '../runtime/scrub.ts';
import { probeReport, type ProviderConfigView, type ProviderRegistration, type Resolver } from './providers.ts';

export const CONFIG_STATUS_DEFAULTS = {
  /** The slow re-check of every config; `--provider-config-check-interval`. */
  intervalMs: 600_000,
  /** The interval varies by this fraction either way, so configs do not all go at once. */
  jitter: 0.1,
  /** The least time between two checks of one config, whatever asks for them. */
  minIntervalMs: 10_000,
  /** Giving up on a probe that does not answer (it is reported ProviderUnavailable). */
  probeTimeoutMs: 15_000,
  /** Object counts are written this long after they change, so a burst of creates is one write. */
  usageDelayMs: 1_000,
} as const;

/** Reasons a resource fails with when its config's credentials are at fault: each asks for a check. */
export const CREDENTIAL_FAILURES: ReadonlySet<string> = new Set([Reason.InvalidCredentials, Reason.AccessDenied, Reason.CredentialsNotFound]);

/** The longest message kept in the Ready condition. */
const MAX_MESSAGE = 1024;

/** What the checker reads of the ProviderConfigs (the ConfigCache). */
export interface ConfigSource {
  names(): string[];
  get(name: string): ProviderConfigView | undefined;
  stored(name: string): { generation?: number | undefined; status?: Record<string, unknown> | undefined } | undefined;
}

export interface ConfigStatusOptions {
  configs: ConfigSource;
  /** The provider's probe for the config: a report, or undefined when the provider offers none; throws typed errors. */
  probe: (name: string) => Promise<ProbeReport | undefined>;
  /** Merge patches a config's status. */
  write: (name: string, status: Record<string, unknown>) => Promise<void>;
  /** How many managed objects name the config. */
  usedBy: (name: string) => number;
  /** Whether this replica writes the config's status (sharding); default all. */
  owns?: (name: string) => boolean;
  log: Logger;
  intervalMs?: number;
  minIntervalMs?: number;
  usageDelayMs?: number;
  jitter?: number;
  clock?: Clock;
  random?: () => number;
  scrubber?: SecretScrubber;
}

interface ConfigState {
  inFlight: boolean;
  /** Asked again while in flight: check once more when it ends. */
  again: boolean;
  lastStarted?: number;
  timer?: { due: number; timer: Timer };
  usageTimer?: Timer;
}

export class ConfigStatusChecker {
  private readonly o: ConfigStatusOptions;
  private readonly clock: Clock;
  private readonly states = new Map<string, ConfigState>();
  private readonly intervalMs: number;
  private readonly minIntervalMs: number;
  private running = false;

  constructor(options: ConfigStatusOptions) {
    this.o = options;
    this.clock = options.clock ?? realClock;
    this.intervalMs = options.intervalMs ?? CONFIG_STATUS_DEFAULTS.intervalMs;
    this.minIntervalMs = options.minIntervalMs ?? CONFIG_STATUS_DEFAULTS.minIntervalMs;
  }

  /** Checks every config this replica owns, then keeps them checked until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.recheckOwned();
  }

  stop(): void {
    this.running = false;
    for (const name of [...this.states.keys()]) this.forget(name);
  }

  /** The shard members changed: check the configs this replica now owns, let go of the others. */
  recheckOwned(): void {
    if (!this.running) return;
    for (const name of [...this.states.keys()]) if (!this.owned(name)) this.forget(name);
    for (const name of this.o.configs.names()) if (this.owned(name) && !this.states.has(name)) this.request(name);
  }

  /** The config or its credentials Secret changed (or it was deleted). */
  changed(name: string): void {
    if (!this.o.configs.get(name)) return this.forget(name);
    this.request(name);
  }

  /** A resource using the config failed on credentials (one of CREDENTIAL_FAILURES). */
  suspect(name: string): void {
    if (this.o.configs.get(name)) this.request(name);
  }

  /** The number of objects using the config changed: written shortly, without a check. */
  usageChanged(name: string): void {
    if (!this.owned(name) || !this.o.configs.get(name)) return;
    const state = this.state(name);
    state.usageTimer ??= this.clock.setTimeout(() => {
      state.usageTimer = undefined;
      void this.writeUsage(name);
    }, this.o.usageDelayMs ?? CONFIG_STATUS_DEFAULTS.usageDelayMs);
  }

  private owned(name: string): boolean {
    return this.running && (this.o.owns?.(name) ?? true);
  }

  private state(name: string): ConfigState {
    let state = this.states.get(name);
    if (!state) this.states.set(name, (state = { inFlight: false, again: false }));
    return state;
  }

  private forget(name: string): void {
    const state = this.states.get(name);
    state?.timer?.timer.cancel();
    state?.usageTimer?.cancel();
    this.states.delete(name);
  }

  /** Checks now, or as soon as the one in flight and the least interval allow. */
  private request(name: string): void {
    if (!this.owned(name)) return;
    const state = this.state(name);
    if (state.inFlight) {
      state.again = true;
      return;
    }
    const wait = state.lastStarted === undefined ? 0 : state.lastStarted + this.minIntervalMs - this.clock.now();
    if (wait > 0) this.arm(name, state, wait);
    else void this.check(name, state);
  }

  /** One timer per config: the sooner of what is asked wins. */
  private arm(name: string, state: ConfigState, ms: number): void {
    const due = this.clock.now() + ms;
    if (state.timer && state.timer.due <= due) return;
    state.timer?.timer.cancel();
    state.timer = { due, timer: this.clock.setTimeout(() => {
      state.timer = undefined;
      this.request(name);
    }, ms) };
  }

  private async check(name: string, state: ConfigState): Promise<void> {
    state.timer?.timer.cancel();
    state.timer = undefined;
    state.inFlight = true;
    state.again = false;
    state.lastStarted = this.clock.now();
    try {
      const generation = this.o.configs.stored(name)?.generation;
      const result = await this.probe(name);
      // Deleted, handed to another shard or stopped meanwhile: not ours to write any more.
      if (this.states.get(name) !== state || !this.owned(name)) return;
      await this.writeResult(name, generation, result);
    } catch (err) {
      this.o.log.warn({ providerConfig: name, err: this.scrub((err as Error).message) }, 'could not write the ProviderConfig status');
    } finally {
      state.inFlight = false;
      if (this.states.get(name) === state) {
        const spread = (this.o.jitter ?? CONFIG_STATUS_DEFAULTS.jitter) * (2 * (this.o.random ?? Math.random)() - 1);
        this.arm(name, state, this.intervalMs * (1 + spread));
        if (state.again) this.request(name);
      }
    }
  }

  private async probe(name: string): Promise<{ report?: ProbeReport; reason: string; status: Condition['status']; message: string }> {
    try {
      const report = await this.o.probe(name);
      if (!report) return { reason: Reason.NotProbed, status: 'Unknown', message: 'the credentials resolve; the provider offers no probe, so whether they work is not checked' };
      return { report, reason: Reason.Reachable, status: 'True', message: report.summary };
    } catch (err) {
      // isAdapterError, not instanceof: a plugin's errors may come from its own copy of the SDK.
      if (isAdapterError(err)) return { reason: err.reason, status: 'False', message: err.message };
      return { reason: Reason.ProviderError, status: 'False', message: `the probe failed: ${(err as Error).message}` };
    }
  }

  private async writeResult(name: string, generation: number | undefined, result: Awaited<ReturnType<ConfigStatusChecker['probe']>>): Promise<void> {
    const before = this.o.configs.stored(name)?.status;
    const previous = (before?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
    const now = new Date(this.clock.now()).toISOString();
    const ready: Condition = {
      type: 'Ready',
      status: result.status,
      reason: result.reason,
      message: this.scrub(result.message).slice(0, MAX_MESSAGE),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: previous?.status === result.status ? previous.lastTransitionTime : now,
    };
    if (previous?.status !== ready.status || previous.reason !== ready.reason) {
      this.o.log[ready.status === 'True' ? 'info' : 'warn']({ providerConfig: name, ready: ready.status, reason: ready.reason, message: ready.message }, 'ProviderConfig checked');
    }
    const status = {
      conditions: [ready],
      observedGeneration: generation ?? null,
      account: result.report?.account?.slice(0, 256) ?? null,
      endpoint: result.report?.endpoint?.slice(0, 2048) ?? null,
      usedBy: this.o.usedBy(name),
      lastChecked: now,
    };
    // A probe's report is the provider's words: no known secret value reaches the status.
    await this.o.write(name, this.scrubber.scrubDeep(status));
  }

  private async writeUsage(name: string): Promise<void> {
    if (!this.owned(name) || !this.o.configs.get(name)) return;
    const usedBy = this.o.usedBy(name);
    if (this.o.configs.stored(name)?.status?.usedBy === usedBy) return;
    try {
      await this.o.write(name, { usedBy });
    } catch (err) {
      this.o.log.warn({ providerConfig: name, err: this.scrub((err as Error).message) }, 'could not write the ProviderConfig status');
    }
  }

  private get scrubber(): SecretScrubber {
    return this.o.scrubber ?? processScrubber;
  }

  private scrub(text: string): string {
    return this.scrubber.scrub(text);
  }
}

/** How many managed objects name each ProviderConfig, kept from the controllers' watch events. */
export class UsageIndex {
  private readonly byObject = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private readonly changed: (providerConfig: string) => void;

  constructor(changed: (providerConfig: string) => void) {
    this.changed = changed;
  }

  /** The object `key` now names `providerConfig` (undefined: none, or it is gone). */
  set(key: string, providerConfig: string | undefined): void {
    const before = this.byObject.get(key);
    if (before === providerConfig) return;
    if (before !== undefined) this.bump(before, -1);
    if (providerConfig === undefined) this.byObject.delete(key);
    else {
      this.byObject.set(key, providerConfig);
      this.bump(providerConfig, 1);
    }
  }

  count(providerConfig: string): number {
    return this.counts.get(providerConfig) ?? 0;
  }

  private bump(providerConfig: string, by: number): void {
    const n = this.count(providerConfig) + by;
    if (n) this.counts.set(providerConfig, n);
    else this.counts.delete(providerConfig);
    this.changed(providerConfig);
  }
}

/**
 * The probe of a config as the operator runs it: the config's connection as resources get it
 * (credentials resolved, the account limiters), the provider's probe, a timeout. Undefined when
 * the provider offers no probe.
 */
export function configProbe(configs: Pick<ConfigSource, 'get'>, resolver: Pick<Resolver, 'resolve'>, providers: readonly ProviderRegistration[], timeoutMs: number = CONFIG_STATUS_DEFAULTS.probeTimeoutMs) {
  return async (name: string): Promise<ProbeReport | undefined> => {
    const view = configs.get(name);
    if (!view) throw new TerminalError(Reason.ProviderConfigNotFound, `ProviderConfig ${name} does not exist`);
    const provider = providers.find((p) => p.type === view.type);
    const kind = provider && Object.keys(provider.kinds).find((k) => provider.kinds[k]);
    if (!provider || !kind) throw new TerminalError(Reason.ProviderNotRegistered, `no loaded provider has type ${view.type}; fix spec.type, or load the plugin (--providers)`);
    const { connection } = await resolver.resolve(name, kind);
    if (!provider.probe) return undefined;
    const probe = provider.probe;
    return probeReport(await withTimeout((signal) => withCallSignal(signal, () => probe(connection)), timeoutMs, `probing ${view.endpoint ?? `the ${view.type} endpoint`}`));
  };
}

/**
 * Runs `fn` under a signal that aborts when `ms` pass (its `callSignal()`, as an adapter call's):
 * a probe through a blackholed endpoint closes its request then, not at its client's own timeout.
 */
function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RetryableError(Reason.ProviderUnavailable, `${what}: no answer within ${ms / 1000} s`));
      deadline.abort();
    }, ms);
  });
  return Promise.race([Promise.resolve().then(() => fn(deadline.signal)), timeout]).finally(() => clearTimeout(timer));
}
