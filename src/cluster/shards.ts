// Sharding across replicas: each replica keeps a membership Lease of its own, all replicas read
// the group's Leases, and each object belongs to one member by rendezvous hashing of its key over
// the active members (adding or removing a member moves only that member's share).
//
// "Exactly one reconciler per object" rests on the same timing rules as leader election, with
// margins for work in flight:
// - a member that stops renewing (dead, or cut off) drops out of the others' rings once its Lease
//   stayed unchanged for its duration on their clocks; a cut-off member stops reconciling and
//   exits after the renew deadline, before that;
// - a joining member counts in the others' rings as soon as they see its Lease (within a retry
//   period), but counts itself only after a whole lease duration, so the keys moving to it have
//   long been released by their old owners (whose in-flight reconciles end meanwhile);
// - a member that stops cleanly stops reconciling first, then deletes its Lease.
import { createHash } from 'node:crypto';
import { MERGE_PATCH, type KubeClient } from '../kube/client.ts';
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import type { Share } from '../limits/index.ts';
import { realClock, sleep, type Clock } from '../runtime/clock.ts';
import { leasePath, microTime, type LeaseHolderOptions, type LeaseObject } from './leader.ts';

export interface MemberRecord {
  identity: string;
  resourceVersion: string;
  durationSeconds: number;
  /** The member's Lease annotations (what it tells the others, e.g. throttle-signal.ts). */
  annotations?: Record<string, string> | undefined;
}

export interface MembershipApi {
  /** Every member Lease of the group. */
  list(): Promise<MemberRecord[]>;
  /** Creates or renews this replica's Lease. */
  renew(): Promise<void>;
  /** Deletes this replica's Lease. */
  release(): Promise<void>;
}

/**
 * This replica's share of every account's budget (src/limits): its rank among the members and
 * itself, the same order on every replica. A joining replica, not yet in its own ring, already
 * takes the rank it will have, as the others count it from the moment they see its Lease.
 */
export function shareOf(members: readonly string[], identity: string): Share {
  const all = [...new Set([...members, identity])].sort();
  return { index: all.indexOf(identity), of: all.length };
}

/** The member owning `key`: the highest hash of member and key (rendezvous hashing). */
export function ownerOf(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const m of members) {
    const score = createHash('sha256').update(m).update('\0').update(key).digest().readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

export interface MembershipOptions extends LeaseHolderOptions {
  api: MembershipApi;
  /** The active members changed (sorted); called with this replica's first ring too. */
  onChange: (members: string[]) => void;
  /** This replica could not renew its Lease for the renew deadline: stop reconciling now. */
  onLost: () => void;
  /** Each other member's Lease as listed (its annotations: what it tells the group). */
  heard?: (record: MemberRecord) => void;
}

interface Seen {
  resourceVersion: string;
  /** When this replica first saw the member (its own clock). */
  firstSeen: number;
  /** When the member's Lease last changed, as seen here. */
  changed: number;
  durationMs: number;
}

export class Membership {
  private readonly o: MembershipOptions;
  private readonly clock: Clock;
  private readonly seen = new Map<string, Seen>();
  private active: string[] = [];
  private started = 0;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(options: MembershipOptions) {
    if (options.renewDeadlineMs >= options.leaseDurationMs) throw new RangeError('the renew deadline must be shorter than the lease duration');
    this.o = options;
    this.clock = options.clock ?? realClock;
  }

  /** The active members as last computed. */
  get members(): readonly string[] {
    return this.active;
  }

  /** Whether this replica reconciles `key` now. */
  owns(key: string): boolean {
    return ownerOf(key, this.active) === this.o.identity;
  }

  /** Renews and reads the group every retry period until stopped or lost. */
  async run(): Promise<void> {
    this.started = this.clock.now();
    let lastRenew = this.clock.now();
    while (!this.stopped) {
      try {
        await this.o.api.renew();
        lastRenew = this.clock.now();
      } catch (err) {
        this.o.log.debug({ err }, 'membership Lease not renewed this time');
        if (this.clock.now() - lastRenew >= this.o.renewDeadlineMs) {
          this.o.log.error({ identity: this.o.identity }, 'could not renew the membership Lease in time: stopping reconciling');
          this.setActive([]);
          this.o.onLost();
          return;
        }
      }
      try {
        this.observe(await this.o.api.list());
      } catch (err) {
        this.o.log.debug({ err }, 'could not list the membership Leases this time');
      }
      await sleep(this.clock, this.o.retryPeriodMs, this.stopping.signal);
    }
  }

  /** Stops renewing and deletes this replica's Lease (call after reconciling has stopped). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    this.setActive([]);
    await this.o.api.release().catch((err: unknown) => this.o.log.warn({ err }, 'could not delete the membership Lease; it expires'));
  }

  private observe(records: MemberRecord[]): void {
    const now = this.clock.now();
    const present = new Set<string>();
    for (const r of records) {
      present.add(r.identity);
      if (r.identity !== this.o.identity) this.o.heard?.(r);
      const prior = this.seen.get(r.identity);
      if (!prior) this.seen.set(r.identity, { resourceVersion: r.resourceVersion, firstSeen: now, changed: now, durationMs: r.durationSeconds * 1000 });
      else if (prior.resourceVersion !== r.resourceVersion) Object.assign(prior, { resourceVersion: r.resourceVersion, changed: now, durationMs: r.durationSeconds * 1000 });
    }
    for (const id of this.seen.keys()) if (!present.has(id)) this.seen.delete(id);
    const active = [...this.seen.entries()]
      .filter(([id, s]) => {
        if (now - s.changed >= s.durationMs) return false; // stopped renewing
        if (id === this.o.identity) return now - this.started >= this.o.leaseDurationMs; // joins its own ring last
        return true;
      })
      .map(([id]) => id)
      .sort();
    this.setActive(active);
  }

  private setActive(active: string[]): void {
    if (active.join('\0') === this.active.join('\0')) return;
    this.active = active;
    this.o.log.info({ members: active }, 'shard members changed');
    this.o.onChange(active);
  }
}

const GROUP_LABEL = 'mooring.dev/shard-group';

/**
 * Member Leases `<group>-<identity>` in `namespace`, labelled with the group; `annotations` are
 * written at each renewal (null removes one).
 */
export function kubeMembership(kube: KubeClient, namespace: string, group: string, identity: string, durationSeconds: number, annotations: () => Record<string, string | null> = () => ({})): MembershipApi {
  const name = `${group}-${identity}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253);
  const path = leasePath(namespace, name);
  return {
    async list() {
      const list = await kube.request<{ items?: LeaseObject[] }>('GET', leasePath(namespace), { query: { labelSelector: `${GROUP_LABEL}=${group}` } });
      return (list.items ?? []).map((l) => ({
        identity: l.spec?.holderIdentity ?? '',
        resourceVersion: l.metadata?.resourceVersion ?? '',
        durationSeconds: l.spec?.leaseDurationSeconds ?? durationSeconds,
        ...(l.metadata?.annotations ? { annotations: l.metadata.annotations } : {}),
      })).filter((m) => m.identity !== '');
    },
    async renew() {
      // MicroTime: the apiserver wants exactly six fractional digits.
      const spec = { holderIdentity: identity, leaseDurationSeconds: durationSeconds, renewTime: microTime(Date.now()) };
      const said = annotations();
      try {
        await kube.request('PATCH', path, { body: { metadata: { annotations: said }, spec }, contentType: MERGE_PATCH });
      } catch (err) {
        if (kubeStatus(err) !== 404) throw err;
        const kept = Object.fromEntries(Object.entries(said).filter((e): e is [string, string] => e[1] !== null));
        const metadata = { name, namespace, labels: { [GROUP_LABEL]: group }, ...(Object.keys(kept).length ? { annotations: kept } : {}) };
        const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
        await kube.request('POST', leasePath(namespace), { body });
      }
    },
    async release() {
      await kube.request('DELETE', path);
    },
  };
}
