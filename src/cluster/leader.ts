// Leader election on a coordination.k8s.io Lease, so one replica of several acts at a time.
//
// The rules are client-go's, for the same reasons: a Lease counts as expired only when this
// replica has watched it stay unchanged for the duration the Lease itself declares (its own clock,
// never the timestamps in the Lease, so clock skew between nodes cannot elect two leaders); the
// leader renews every retry period and gives up leading when it could not renew for the renew
// deadline, which is shorter than the lease duration, so it has stopped before anyone may take
// over. On a clean stop the leader releases the Lease, and a standby takes over at once.
import type { Logger } from 'pino';
import { MERGE_PATCH, type KubeClient } from '../kube/client.ts';
import { resourcePath } from '../kube/paths.ts';
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import { realClock, sleep, type Clock } from '../runtime/clock.ts';

/** The Lease fields the election reads and writes. */
export interface LeaseRecord {
  holder: string;
  durationSeconds: number;
  transitions: number;
  acquireTime?: string | undefined;
  renewTime?: string | undefined;
  resourceVersion: string;
}

/** Lease storage; writes are optimistic on `resourceVersion` and throw on a conflict. */
export interface LeaseApi {
  get(): Promise<LeaseRecord | undefined>;
  create(record: Omit<LeaseRecord, 'resourceVersion'>): Promise<LeaseRecord>;
  update(record: LeaseRecord): Promise<LeaseRecord>;
}

/** What a replica holding a Lease (the leader's, or its own shard member's) is and keeps to. */
export interface LeaseHolderOptions {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  clock?: Clock;
}

export interface ElectorOptions extends LeaseHolderOptions {
  lease: LeaseApi;
  /** Called once this replica leads. */
  onStartedLeading: () => void;
  /** Called once when leading ends for any reason but a clean stop: stop acting at once. */
  onStoppedLeading: () => void;
  /** Called whenever the observed leader changes (including to this replica). */
  onNewLeader?: (identity: string) => void;
}

/** A Lease's times are MicroTime: the apiserver wants exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly o: ElectorOptions;
  private readonly clock: Clock;
  private observed: LeaseRecord | undefined;
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private readonly stopping = new AbortController();
  private knownLeader: string | undefined;

  constructor(options: ElectorOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new RangeError('the renew deadline must be shorter than the lease duration');
    this.o = options;
    this.clock = options.clock ?? realClock;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The identity holding the Lease as last observed; undefined until the Lease was read once. */
  get leader(): string | undefined {
    return this.knownLeader;
  }

  /** Campaigns until leading, then renews until leadership is lost or `stop` is called. */
  async run(): Promise<void> {
    while (!this.stopped && !(await this.tryAcquireOrRenew())) await this.pause();
    if (this.stopped) return;
    this.leading = true;
    this.o.log.info({ identity: this.o.identity }, 'became the leader');
    this.o.onStartedLeading();
    let lastRenew = this.clock.now();
    while (!this.stopped) {
      await this.pause();
      if (this.stopped) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.clock.now();
        continue;
      }
      const taken = this.knownLeader !== undefined && this.knownLeader !== this.o.identity;
      if (taken || this.clock.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.leading = false;
        const why = taken ? `the Lease is held by ${this.knownLeader}` : 'could not renew the leader Lease in time';
        this.o.log.error({ identity: this.o.identity, sinceLastRenewMs: this.clock.now() - lastRenew }, `${why}: stopping leading`);
        this.o.onStoppedLeading();
        return;
      }
    }
  }

  /** Stops campaigning; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    if (!this.leading || !this.observed) return;
    this.leading = false;
    try {
      // A holder nobody has and a 1 s duration: standbys see it free at their next try.
      await this.o.lease.update({ ...this.observed, holder: '', durationSeconds: 1, renewTime: microTime(this.clock.now()) });
      this.o.log.info({ identity: this.o.identity }, 'released the leader Lease');
    } catch (err) {
      this.o.log.warn({ err }, 'could not release the leader Lease; a standby takes over when it expires');
    }
  }

  private pause(): Promise<void> {
    return sleep(this.clock, this.o.retryPeriodMs * (this.leading ? 1 : 1 + Math.random() * 0.2), this.stopping.signal).catch(() => undefined);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    try {
      const current = await this.o.lease.get();
      if (!current) {
        const created = await this.o.lease.create({ holder: this.o.identity, durationSeconds, transitions: 0, acquireTime: microTime(now), renewTime: microTime(now) });
        this.observe(created, now);
        return true;
      }
      if (!this.observed || this.observed.resourceVersion !== current.resourceVersion) this.observe(current, now);
      const heldByOther = current.holder !== '' && current.holder !== this.o.identity;
      if (heldByOther && now < this.observedAt + current.durationSeconds * 1000) return false;
      const ours = current.holder === this.o.identity;
      const updated = await this.o.lease.update({
        ...current,
        holder: this.o.identity,
        durationSeconds,
        acquireTime: ours ? current.acquireTime : microTime(now),
        renewTime: microTime(now),
        transitions: ours ? current.transitions : current.transitions + 1,
      });
      this.observe(updated, now);
      return true;
    } catch (err) {
      // A conflict means someone else wrote first; anything else, that we could not reach the Lease.
      this.o.log.debug({ err }, 'leader Lease not acquired or renewed this time');
      return false;
    }
  }

  private observe(record: LeaseRecord, at: number): void {
    this.observed = record;
    this.observedAt = at;
    const leader = record.holder || undefined;
    if (leader !== this.knownLeader) {
      this.knownLeader = leader;
      if (leader) this.o.onNewLeader?.(leader);
    }
  }
}

/** A Lease as the apiserver sends it (times are MicroTime strings). */
export interface LeaseObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number; acquireTime?: string; renewTime?: string };
}

/** The path of the Leases of `namespace`, or of the Lease `name`. */
export const leasePath = (namespace: string, name?: string) => resourcePath({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace, name });

/** The Lease `namespace/name` on the apiserver. */
export function kubeLease(kube: KubeClient, namespace: string, name: string): LeaseApi {
  const path = leasePath(namespace, name);
  const record = (lease: LeaseObject): LeaseRecord => ({
    holder: lease.spec?.holderIdentity ?? '',
    durationSeconds: lease.spec?.leaseDurationSeconds ?? 15,
    transitions: lease.spec?.leaseTransitions ?? 0,
    acquireTime: lease.spec?.acquireTime,
    renewTime: lease.spec?.renewTime,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  });
  const spec = (r: Omit<LeaseRecord, 'resourceVersion'>) => ({
    holderIdentity: r.holder, leaseDurationSeconds: r.durationSeconds, leaseTransitions: r.transitions, acquireTime: r.acquireTime, renewTime: r.renewTime,
  });
  return {
    async get() {
      try {
        return record(await kube.request<LeaseObject>('GET', path));
      } catch (err) {
        if (kubeStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async create(r) {
      // The times go out as written: MicroTime strings with six fractional digits.
      const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec(r) };
      return record(await kube.request<LeaseObject>('POST', leasePath(namespace), { body }));
    },
    async update(r) {
      const body = { metadata: { resourceVersion: r.resourceVersion }, spec: spec(r) };
      return record(await kube.request<LeaseObject>('PATCH', path, { body, contentType: MERGE_PATCH }));
    },
  };
}
