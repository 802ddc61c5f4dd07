// PowerDNS's side of the SDK's per-zone batcher (ZoneBatcher, which does the timing, the planning
// on one fresh read, the packing and the isolating of a refused change): one batch is one PATCH,
// which PowerDNS applies atomically. It refuses a PATCH naming one record set twice, so changes to
// one record set go in separate PATCHes, in order; and it refuses a whole PATCH for one bad record
// set (422, naming it), so the named one is sent alone and the rest without it.
import { ZoneBatcher, type BatchPlan, type BatchPort } from '../../sdk/index.ts';
import type { RRsetChange } from './api.ts';
import { rrsetKey } from './rrset.ts';

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

/** One intent, planned: the changes it needs (none: the zone is already as wanted), or why not. */
export type Plan = BatchPlan<RRsetChange>;

export type PdnsBatcher<Intent> = ZoneBatcher<Intent, RRsetChange, void, 'rrsets'>;

/** The record set names a PowerDNS 422 message names: `Record x./A`, `RRset x. IN A`, `Name 'x.'`. */
export function namedInError(message: string): Set<string> {
  return new Set([...message.matchAll(/(?:Record |RRset |Name ')([^\s'/]+)/g)].map((m) => m[1]!.toLowerCase()));
}

/** A batcher whose batches are PATCHes of one zone; the port plans and sends them. */
export function pdnsBatcher<Intent>(port: BatchPort<Intent, RRsetChange>, options: BatchOptions = {}): PdnsBatcher<Intent> {
  const { windowMs, maxWaitMs, maxRRsets } = { ...BATCH_DEFAULTS, ...options };
  return new ZoneBatcher<Intent, RRsetChange, void, 'rrsets'>(port, {
    windowMs,
    maxWaitMs,
    limits: { rrsets: maxRRsets },
    cost: () => ({ rrsets: 1 }),
    key: (c) => rrsetKey(c.name, c.type),
    named: (err, c) => namedInError((err as Error).message).has(c.name),
  });
}
