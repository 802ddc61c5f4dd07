// A small seeded PRNG (mulberry32): the same seed gives the same run of choices, so a failing
// chaos run replays with `--seed N`. Not for secrets: for dice only.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One of `weights`' keys, each as likely as its weight. */
  weighted<K extends string>(weights: Record<K, number>): K {
    return byWeight(this.next(), weights);
  }

  /** A separate stream for another part of the run, so one part's timing cannot shift the other's draws. */
  fork(label: number): Rng {
    return new Rng(Math.imul(this.state ^ label, 0x9e3779b1) ^ label);
  }
}

/** The key a roll in [0, 1) lands on, each key taking a share of [0, 1) as large as its weight. */
export function byWeight<K extends string>(roll: number, weights: Record<K, number>): K {
  const entries = Object.entries(weights) as [K, number][];
  let left = roll * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [key, w] of entries) {
    left -= w;
    if (left < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

/** A fresh seed for a run that was not given one. */
export const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
