// Faults thrown at the system while the actions run: the operator SIGKILLed and restarted, the
// cloud (through the fault proxy) throttling, failing, slow or hanging up, PostgreSQL sessions
// cut, the apiserver restarted, the operator's connections to it (its watches) broken.
import type { FaultProxyClient, Faults } from '../../src/stack/faultproxy.ts';
import type { OperatorProcess } from './operator.ts';
import type { Rng } from './prng.ts';
import type { TcpProxy } from './tcpproxy.ts';
import { ORACLE_APPLICATION, type World } from './world.ts';

export const FAULTS = ['killOperator', 'cloud', 'cutPostgres', 'restartApiServer', 'breakWatches'] as const;
export type FaultKind = (typeof FAULTS)[number];

export interface FaultDeps {
  world: World;
  rng: Rng;
  operator: OperatorProcess;
  proxy: FaultProxyClient;
  kubeProxy: TcpProxy;
  restartApiServer: () => Promise<void>;
  log: (line: string) => void;
  /** Every fault as it is thrown (the run's trace file). */
  trace?: (line: string) => void;
}

const APIS = ['s3', 'route53', 'rds'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One cloud misbehaviour for a few seconds, drawn from the seed. */
export function randomCloudFaults(rng: Rng): { faults: Faults; label: string; forMs: number } {
  const apis = APIS.filter(() => rng.chance(0.6));
  const on = apis.length ? apis : [rng.pick(APIS)];
  const kind = rng.weighted({ throttle: 3, serverError: 3, drop: 2, latency: 2, pending: 1, mixed: 2 });
  const forMs = rng.int(2000, 8000);
  const pick: Record<string, () => Faults> = {
    throttle: () => ({ throttle: { forMs, apis: on } }),
    serverError: () => ({ serverError: { count: rng.int(3, 20), apis: on } }),
    drop: () => ({ drop: { count: rng.int(2, 10), apis: on } }),
    latency: () => ({ latency: { ms: rng.int(100, 1500), apis: on } }),
    pending: () => ({ pendingGetChanges: rng.int(1, 3) }),
    mixed: () => ({ serverError: { count: rng.int(2, 8), apis: on }, drop: { count: rng.int(1, 4), apis: on }, latency: { ms: rng.int(50, 500), apis: APIS }, pendingGetChanges: rng.int(0, 2) }),
  };
  // PENDING changes are Route 53's alone, whatever APIs were drawn.
  return { faults: pick[kind]!(), label: kind === 'pending' ? 'cloud:pending(route53)' : `cloud:${kind}(${on.join('+')})`, forMs };
}

export class FaultInjector {
  readonly counts: Record<string, number> = {};
  private readonly d: FaultDeps;
  private lastApiRestart = 0;

  constructor(deps: FaultDeps) {
    this.d = deps;
  }

  /** Throws faults, one after another with short gaps, until `until`; then clears the cloud's. */
  async run(until: number): Promise<void> {
    const { rng } = this.d;
    while (Date.now() < until) {
      const kind = rng.weighted({ killOperator: 4, cloud: 5, cutPostgres: 2, restartApiServer: 1, breakWatches: 2 } satisfies Record<FaultKind, number>);
      // Parameters drawn before anything runs, so a replay makes the same choices.
      const cloud = randomCloudFaults(rng);
      const downMs = rng.int(0, 3000);
      const gapMs = rng.int(500, 4000);
      try {
        await this.inject(kind, cloud, downMs);
      } catch (err) {
        this.d.log(`fault ${kind} failed: ${(err as Error).message}`);
      }
      await sleep(Math.min(gapMs, Math.max(0, until - Date.now())));
    }
    await this.d.proxy.configure({});
    this.d.operator.start();
  }

  private count(label: string, n = 1): void {
    this.counts[label] = (this.counts[label] ?? 0) + n;
    this.d.trace?.(`fault ${label}${n === 1 ? '' : ` ×${n}`}`);
  }

  private async inject(kind: FaultKind, cloud: ReturnType<typeof randomCloudFaults>, downMs: number): Promise<void> {
    const d = this.d;
    switch (kind) {
      case 'killOperator':
        this.count('killOperator');
        await d.operator.kill();
        await sleep(downMs);
        d.operator.start();
        return;
      case 'cloud':
        this.count(cloud.label);
        await d.proxy.configure(cloud.faults);
        await sleep(cloud.forMs);
        await d.proxy.configure({});
        return;
      case 'cutPostgres': {
        const cut = await d.world.pg.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND coalesce(application_name, '') <> $1`,
          [ORACLE_APPLICATION],
        );
        this.count('cutPostgres');
        this.count('cutPostgres:sessions', cut.rowCount ?? 0);
        return;
      }
      case 'restartApiServer':
        // An apiserver restart takes seconds of the run; one per half minute at most.
        if (Date.now() - this.lastApiRestart < 30_000) return this.inject('breakWatches', cloud, downMs);
        this.lastApiRestart = Date.now();
        this.count('restartApiServer');
        await d.restartApiServer();
        return;
      case 'breakWatches':
        this.count('breakWatches');
        this.count('breakWatches:connections', d.kubeProxy.cut());
        return;
    }
  }
}
