// A throttle seen by one sharded replica slows the others: each member writes, on its membership
// Lease at each renewal, the account keys the cloud throttled it on lately and until when it counts
// them throttled; each member reads the others' as it lists the group and slows down on every
// account another newly reports. No call of ours waits on it: at worst a retry period late.
import type { Limits } from '../limits/index.ts';
import { realClock, type Clock } from '../runtime/clock.ts';

export const THROTTLED_ANNOTATION = 'mooring.dev/throttled';

/** The most keys one annotation carries (bounded, whatever a Lease says). */
const MAX_KEYS = 32;

export class ThrottleSignal {
  private readonly clock: Clock;
  private readonly holdMs: number;
  /** Keys this replica was throttled on, and until when it says so. */
  private readonly mine = new Map<string, number>();
  /** What was last acted on, per member and key: the `until` it reported. */
  private readonly heard = new Map<string, number>();
  private readonly limits: Limits;

  /** `holdMs`: how long after its last throttle a key stays reported (a few renewals, so every member reads it). */
  constructor(limits: Limits, holdMs: number, clock: Clock = realClock) {
    this.limits = limits;
    this.holdMs = holdMs;
    this.clock = clock;
    limits.onThrottled((key) => this.mine.set(key, this.clock.now() + holdMs));
  }

  /** The annotation's value for this renewal: `{"<key>": <until, epoch ms>}`; null (removed) when none. */
  annotation(): string | null {
    const now = this.clock.now();
    for (const [key, until] of this.mine) if (until <= now) this.mine.delete(key);
    if (this.mine.size === 0) return null;
    return JSON.stringify(Object.fromEntries([...this.mine].slice(-MAX_KEYS)));
  }

  /** Another member's annotation, as listed: slow down once for each key it newly reports throttled. */
  heardFrom(member: string, value: string | undefined): void {
    const now = this.clock.now();
    for (const [key, until] of parse(value)) {
      const id = `${member}\0${key}`;
      if (until <= now || this.heard.get(id) === until) continue;
      this.heard.set(id, until);
      this.limits.throttledElsewhere(key);
    }
    for (const [id, until] of this.heard) if (until <= now - this.holdMs) this.heard.delete(id);
  }
}

/** The key/until pairs of an annotation; nothing from anything malformed. */
function parse(value: string | undefined): [string, number][] {
  if (!value) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  return Object.entries(parsed as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && e[0].length <= 256)
    .slice(0, MAX_KEYS);
}
