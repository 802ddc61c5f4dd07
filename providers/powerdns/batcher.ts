// PowerDNS's batches on the SDK's per-zone batcher (sdk/batch.ts, driven by the DNS kit, which does
// the timing, the planning on one fresh read, the packing and the isolating of a refused change):
// one batch is one PATCH, which PowerDNS applies atomically. It refuses a PATCH naming one record
// set twice (the kit keys changes by record set, so changes to one go in separate PATCHes, in
// order), and a whole PATCH for one bad record set (422, naming it), so the named one is sent alone
// and the rest without it.
import type { DnsBatchOptions } from '../../sdk/index.ts';

/** Defaults of the per-zone batcher; the README points here. */
export const BATCH_DEFAULTS = {
  /** A PATCH goes once no change has joined it for this long... */
  windowMs: 250,
  /** ...or once its first change has waited this long, whichever comes first. */
  maxWaitMs: 2_000,
  /** Record sets in one PATCH. */
  maxRRsets: 1_000,
} as const;

export type BatchOptions = { -readonly [K in keyof typeof BATCH_DEFAULTS]?: number };

/** The record set names a PowerDNS 422 message names: `Record x./A`, `RRset x. IN A`, `Name 'x.'`. */
export function namedInError(message: string): Set<string> {
  return new Set([...message.matchAll(/(?:Record |RRset |Name ')([^\s'/]+)/g)].map((m) => m[1]!.toLowerCase()));
}

/** The batcher's options for PATCHes of one zone. */
export function pdnsBatchOptions(options: BatchOptions = {}): DnsBatchOptions {
  const { windowMs, maxWaitMs, maxRRsets } = { ...BATCH_DEFAULTS, ...options };
  return {
    windowMs,
    maxWaitMs,
    limits: { rrsets: maxRRsets },
    cost: () => ({ rrsets: 1 }),
    named: (err, c) => namedInError((err as Error).message).has(c.recordSet.name),
  };
}
