// Every adapter call of a pass, connect included, has a deadline: the adapter gets its signal (on
// `resource.signal` and as `callSignal()`), and the call is abandoned with a retryable CallTimeout
// when it passes, freeing the worker. The calls on the client also go through the resource's
// limiter (one call at a time per object) and are told to metrics.
import type { Limits } from '../limits/index.ts';
import { DEFAULT_DEADLINES, type CallDeadlines } from './deadline.ts';
import type { Client, Connected, Loaded } from './pass.ts';
import type { CallObserver, ManagedSpecBase } from './types.ts';

export interface AdapterCallDeps {
  /** The kind's name, for metrics and messages. */
  kind: string;
  limits: Limits;
  deadlines?: CallDeadlines | undefined;
  calls?: CallObserver | undefined;
}

export class AdapterCalls<Spec extends ManagedSpecBase> {
  private readonly deps: AdapterCallDeps;
  private readonly deadlines: CallDeadlines;

  constructor(deps: AdapterCallDeps) {
    this.deps = deps;
    this.deadlines = deps.deadlines ?? DEFAULT_DEADLINES;
  }

  /** The adapter's client for this pass, made under the call deadline (a connector may dial out). */
  async connect(pass: Loaded<Spec>): Promise<Client<Spec>> {
    return this.deadlines.run('connect', this.describe(pass, 'connect'), () => pass.connector.connect(pass.connection));
  }

  /** One call on the client: through the resource's limiter, under its deadline, told to metrics. */
  call<T>(pass: Connected<Spec>, op: string, fn: (client: Client<Spec>) => Promise<T>): Promise<T> {
    const key = `${pass.object.kind}/${pass.object.metadata.namespace}/${pass.object.metadata.name}`;
    pass.log.debug({ op }, 'adapter call');
    const timed = () =>
      this.deadlines.run(op, this.describe(pass, op), (signal) => {
        // The calls of one pass run one after another: the resource carries the current one's signal.
        pass.resource.signal = signal;
        return fn(pass.client);
      });
    const observer = this.deps.calls;
    if (!observer) return this.deps.limits.forResource(key, timed);
    return this.deps.limits.forResource(key, async () => {
      const started = performance.now();
      const report = (outcome: 'success' | 'error') =>
        observer.adapterCall({ kind: this.deps.kind, provider: pass.provider, operation: op, outcome, seconds: (performance.now() - started) / 1000 });
      try {
        const result = await timed();
        report('success');
        return result;
      } catch (err) {
        report('error');
        throw err;
      }
    });
  }

  /** `the aws adapter's observe of bucket logs`: names the call in a timeout's message; no secret. */
  private describe(pass: Loaded<Spec>, op: string): string {
    return `the ${pass.provider} adapter's ${op} of ${this.deps.kind.toLowerCase()} ${pass.resource.externalName}`;
  }
}
