// Events that claim a write (Created, Updated, DriftCorrected, Adopted) for a write the adapter
// only queued (SDK 1.4 `WriteQueued`: a batch to one DNS zone, sent later, perhaps refused). Such
// an Event is held, by object uid, until an observe tells what became of the write: released when
// the adapter reports it `written` or the observation shows the thing as wanted, dropped when the
// wait is over without either. An Event never claims what the cloud did not take. Held in memory
// only: an operator restart loses a held claim (an Event missing, never a false one).
import type { Observation } from '../../sdk/index.ts';
import type { ManagedObject } from './types.ts';

export interface Claim {
  reason: string;
  message: string;
  /** The object as the pass that queued the write read it: the Event names that version (its generation's spec). */
  object?: ManagedObject;
}

/** How long a claim is held at most: an object never observed again (deleted meanwhile) is forgotten. */
const MAX_AGE_MS = 10 * 60_000;

export class HeldClaims {
  private readonly held = new Map<string, { claim: Claim; at: number }>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Holds the claim of the write just queued for this object (replacing an older one). */
  hold(uid: string, claim: Claim): void {
    const now = this.now();
    for (const [key, entry] of this.held) if (now - entry.at > MAX_AGE_MS) this.held.delete(key);
    this.held.set(uid, { claim, at: now });
  }

  /**
   * The claim this observation bears out, if any: the write was taken (`written`), or the thing is
   * ours and as wanted. An observation past the wait (not pending) that shows neither ends it.
   */
  settle(uid: string, observation: Observation, ours: boolean): Claim | undefined {
    const entry = this.held.get(uid);
    if (!entry) return undefined;
    const shown = !observation.pending && observation.exists && ours && observation.upToDate;
    if (observation.written || shown) {
      this.held.delete(uid);
      return entry.claim;
    }
    if (!observation.pending) this.held.delete(uid);
    return undefined;
  }

  get size(): number {
    return this.held.size;
  }
}
