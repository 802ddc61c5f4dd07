// The ready keys of the work queue, in lanes (one per namespace) served round-robin: a namespace
// with 10,000 ready keys and another with one take turns, so the one waits for one key, not for
// 10,000. Within a lane keys keep the order they became ready in. Every operation is O(1) but
// `oldestSince`, which is O(lanes) and only read for metrics.
//
// Arrays with a moving head, not a Map's first entry: V8 leaves deleted Map entries in place until
// the table is rebuilt, so taking "the first entry" again and again after deletions walks over
// them (measured: 40 µs a key with 200,000 keys ready; bench/queue.ts).

/** First in, first out, O(1) amortized. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed front once it is most of the array: amortized O(1), memory bounded.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface Lane {
  order: Fifo<string>;
  /** The same keys, each with the time it became ready. */
  since: Map<string, number>;
}

export class Lanes {
  private readonly laneOf: (key: string) => string;
  /** Lanes holding at least one key (an emptied lane is dropped). */
  private readonly lanes = new Map<string, Lane>();
  /** The names of those lanes, in the order they take their turn. */
  private readonly ring = new Fifo<string>();
  private count = 0;

  constructor(laneOf: (key: string) => string) {
    this.laneOf = laneOf;
  }

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    return this.lanes.get(this.laneOf(key))?.since.has(key) ?? false;
  }

  /** Adds `key`, ready since `since`, unless it is already here (it keeps its place and time). */
  add(key: string, since: number): void {
    const name = this.laneOf(key);
    let lane = this.lanes.get(name);
    if (!lane) {
      // A lane that was empty joins at the back of the ring: it had no turn to lose.
      lane = { order: new Fifo(), since: new Map() };
      this.lanes.set(name, lane);
      this.ring.push(name);
    }
    if (lane.since.has(key)) return;
    lane.since.set(key, since);
    lane.order.push(key);
    this.count++;
  }

  /** Takes the next key: the oldest of the lane whose turn it is, which then goes to the back. */
  shift(): [key: string, since: number] | undefined {
    const name = this.ring.shift();
    if (name === undefined) return undefined;
    const lane = this.lanes.get(name)!;
    const key = lane.order.shift()!;
    const since = lane.since.get(key)!;
    lane.since.delete(key);
    this.count--;
    if (lane.order.size > 0) this.ring.push(name);
    else this.lanes.delete(name);
    return [key, since];
  }

  /** The earliest ready time of any key here, or undefined when none is. */
  oldestSince(): number | undefined {
    let oldest: number | undefined;
    for (const lane of this.lanes.values()) {
      // A lane's first key is its oldest: keys join at the back and keep their time.
      const since = lane.since.get(lane.order.peek()!)!;
      if (oldest === undefined || since < oldest) oldest = since;
    }
    return oldest;
  }

  clear(): void {
    this.lanes.clear();
    while (this.ring.shift() !== undefined);
    this.count = 0;
  }
}
