// Due times for many keys behind one timer. A timer per key cost each managed object a Timeout,
// two closures and, since every resync is jittered to its own duration, a timer list of its own
// inside Node (about 0.75 KiB a key, measured); here a key costs a map entry and a slot in a binary heap.
import type { Clock, Timer } from './clock.ts';

export class Deadlines {
  private readonly clock: Clock;
  private readonly fire: (key: string) => void;
  /** Each key's due time; a heap slot whose time differs is stale and skipped. */
  private readonly due = new Map<string, number>();
  // The heap in three parallel arrays (no object per entry): due time, then scheduling order.
  private ats: number[] = [];
  private seqs: number[] = [];
  private keys: string[] = [];
  private seq = 0;
  private timer: { at: number; handle: Timer } | undefined;

  /** `fire(key)` runs once a key's time has come; the key is gone from the set by then. */
  constructor(clock: Clock, fire: (key: string) => void) {
    this.clock = clock;
    this.fire = fire;
  }

  get size(): number {
    return this.due.size;
  }

  /** When `key` is due, if it is waiting. */
  get(key: string): number | undefined {
    return this.due.get(key);
  }

  /** Makes `key` due at `at` (replacing any earlier or later time it had). */
  set(key: string, at: number): void {
    this.due.set(key, at);
    this.push(at, key);
    // Stale slots (keys re-set or deleted) are dropped in one rebuild once they outnumber the live.
    if (this.ats.length > 2 * this.due.size + 64) this.rebuild();
    this.arm();
  }

  delete(key: string): void {
    if (!this.due.delete(key)) return;
    if (this.due.size === 0) this.clear();
  }

  clear(): void {
    this.due.clear();
    this.ats = [];
    this.seqs = [];
    this.keys = [];
    this.timer?.handle.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    this.dropStale();
    const next = this.ats[0];
    if (next === undefined) return this.clear();
    if (this.timer && this.timer.at <= next) return;
    this.timer?.handle.cancel();
    const handle = this.clock.setTimeout(() => this.expire(), next - this.clock.now());
    this.timer = { at: next, handle };
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const fired: string[] = [];
    for (this.dropStale(); this.ats.length > 0 && this.ats[0]! <= now; this.dropStale()) {
      const key = this.keys[0]!;
      this.pop();
      this.due.delete(key);
      fired.push(key);
    }
    // Fired after the heap is settled: a callback may set keys again.
    for (const key of fired) this.fire(key);
    if (this.due.size > 0) this.arm();
  }

  private dropStale(): void {
    while (this.keys.length > 0 && this.due.get(this.keys[0]!) !== this.ats[0]) this.pop();
  }

  private rebuild(): void {
    const live = [...this.due];
    this.ats = [];
    this.seqs = [];
    this.keys = [];
    for (const [key, at] of live) this.push(at, key);
  }

  private push(at: number, key: string): void {
    this.ats.push(at);
    this.seqs.push(this.seq++);
    this.keys.push(key);
    let i = this.ats.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.ats.length - 1;
    this.swap(0, last);
    this.ats.pop();
    this.seqs.pop();
    this.keys.pop();
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < last && this.before(left, first)) first = left;
      if (right < last && this.before(right, first)) first = right;
      if (first === i) return;
      this.swap(i, first);
      i = first;
    }
  }

  private before(a: number, b: number): boolean {
    return this.ats[a]! < this.ats[b]! || (this.ats[a] === this.ats[b] && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    [this.ats[a], this.ats[b]] = [this.ats[b]!, this.ats[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
  }
}
