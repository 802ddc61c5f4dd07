// Route 53 change ids and whether they are INSYNC yet. Many records share one change (a batch),
// so GetChange is asked once per change for all of them, and no more often than the change's age
// warrants: half its age, between 1 s and 30 s. A slow change costs a handful of calls, not a loop.
import { GetChangeCommand, type Route53Client } from '@aws-sdk/client-route-53';
import type { AwsCaller } from '../common/client.ts';

export const CHANGE_DEFAULTS = {
  minPollMs: 1_000,
  maxPollMs: 30_000,
  /** Settled changes are forgotten after this long. */
  keepMs: 15 * 60_000,
} as const;

export type ChangeStatus = 'PENDING' | 'INSYNC';

interface Tracked {
  status: ChangeStatus;
  firstSeen: number;
  checkedAt: number;
  inFlight?: Promise<ChangeStatus> | undefined;
}

export const bareChangeId = (id: string) => id.replace(/^\/change\//, '');

export class ChangeTracker {
  private readonly r53: Route53Client;
  private readonly aws: AwsCaller;
  private readonly changes = new Map<string, Tracked>();
  private readonly now: () => number;

  constructor(r53: Route53Client, aws: AwsCaller, now: () => number = Date.now) {
    this.r53 = r53;
    this.aws = aws;
    this.now = now;
  }

  /** A change Route 53 just accepted, with the status it answered. */
  submitted(id: string, status: string): void {
    const now = this.now();
    this.changes.set(bareChangeId(id), { status: status === 'INSYNC' ? 'INSYNC' : 'PENDING', firstSeen: now, checkedAt: now });
    this.prune(now);
  }

  /** The change's status, asking Route 53 only when the last answer is old enough. */
  async status(id: string): Promise<ChangeStatus> {
    const key = bareChangeId(id);
    const now = this.now();
    let tracked = this.changes.get(key);
    // A change from before a restart (read from the status): ask once, at once.
    if (!tracked) this.changes.set(key, (tracked = { status: 'PENDING', firstSeen: now, checkedAt: 0 }));
    if (tracked.status === 'INSYNC') return 'INSYNC';
    if (tracked.inFlight) return tracked.inFlight;
    const interval = Math.min(CHANGE_DEFAULTS.maxPollMs, Math.max(CHANGE_DEFAULTS.minPollMs, (now - tracked.firstSeen) / 2));
    if (now - tracked.checkedAt < interval) return tracked.status;
    const entry = tracked;
    entry.inFlight = this.aws
      .call(`Route 53 GetChange ${key}`, () => this.r53.send(new GetChangeCommand({ Id: key })), { NoSuchChange: () => null })
      .then((answer) => {
        // A change Route 53 no longer knows is long settled (it keeps them for a while only).
        entry.status = answer === null || answer.ChangeInfo?.Status === 'INSYNC' ? 'INSYNC' : 'PENDING';
        entry.checkedAt = this.now();
        return entry.status;
      })
      .finally(() => (entry.inFlight = undefined));
    return entry.inFlight;
  }

  private prune(now: number): void {
    for (const [id, t] of this.changes) if (t.status === 'INSYNC' && now - t.checkedAt > CHANGE_DEFAULTS.keepMs) this.changes.delete(id);
  }
}
