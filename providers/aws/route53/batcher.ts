// Route 53's batches on the SDK's per-zone batcher (sdk/batch.ts, driven by the DNS kit, which does
// the timing, the cut at the limiter's slot, the planning, the packing and the isolating of a
// refused change): one batch is one ChangeResourceRecordSets call, within Route 53's limits on
// values and characters, and Route 53 refuses a whole batch for one bad change
// (InvalidChangeBatch), naming the record in quotes; it also refuses a stale plan's guarded CREATE
// or DELETE the same way.
import { TerminalError, isAdapterError, type DnsBatchOptions } from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { changeCost } from './state.ts';

/**
 * Defaults of the per-zone batcher; docs/dnsrecord.md points here. The trade-off: a few changes
 * (a lone one) go after 0.5 s of quiet, the first at most 3 s after it arrived, as before; 5 or
 * more (a spurt: perhaps the first chunk of records arriving over a minute) wait for 6 s of quiet,
 * and a zone whose changes lately came in spurts with pauses over 2 s waits out pauses up to 8 s,
 * so they cost the zone one call, not one per spurt; the first change then waits at most 90 s. A
 * burst pays the spurt's window once, at its end. Deletes keep the plain window. A batch of
 * `fullAt` intents goes at once.
 */
export const BATCH_DEFAULTS = {
  /** A batch queues for its slot at the account limiter once no change has joined it for this long... */
  windowMs: 500,
  /** ...or once its first change has waited this long, whichever comes first... */
  maxWaitMs: 3_000,
  /** ...a window grown by the zone's pauses, up to this (by default 16× windowMs)... */
  maxWindowMs: 8_000,
  /** ...once the zone paused longer than this (the operator stalls for about 1 s within one burst)... */
  minPauseMs: 2_000,
  /** ...then the first change waits at most this; so it does in a batch of `spurtAt` changes or more... */
  maxHoldMs: 90_000,
  /**
   * ...whose quiet window is at least `spurtWindowMs` (by default 12× windowMs): the first chunk of
   * records arriving over a minute, before the zone showed a pause, waits for the next chunk
   * (`kubectl apply`'s come about 4 s apart), so a zone's records cost one call, not two.
   */
  spurtAt: 5,
  spurtWindowMs: 6_000,
  /** Intents that send a batch at once: 250 UPSERTs of one value and their ownership records fill Route 53's 1,000 values. */
  fullAt: 250,
  /** Route 53: ResourceRecord elements in one request (an UPSERT counts twice). */
  maxValues: 1000,
  /** Route 53: characters of all values in one request (an UPSERT counts twice). */
  maxChars: 32_000,
} as const;

export type BatchOptions = { -readonly [K in keyof typeof BATCH_DEFAULTS]?: number };

export interface ChangeInfo {
  id: string;
  status: string;
}

/** The batcher's options for Route 53 change batches. */
export function route53BatchOptions(options: BatchOptions = {}): DnsBatchOptions {
  const { windowMs, maxWaitMs, fullAt, spurtAt, maxValues, maxChars } = { ...BATCH_DEFAULTS, ...options };
  // A shorter windowMs (tests) scales the grown window and the hold with it, unless those are set too.
  const maxWindowMs = options.maxWindowMs ?? 16 * windowMs;
  const maxHoldMs = options.maxHoldMs ?? 180 * windowMs;
  const minPauseMs = options.minPauseMs ?? 4 * windowMs;
  const spurtWindowMs = options.spurtWindowMs ?? 12 * windowMs;
  return {
    windowMs,
    maxWindowMs,
    minPauseMs,
    maxWaitMs,
    maxHoldMs,
    fullAt,
    spurtAt,
    spurtWindowMs,
    limits: { values: maxValues, chars: maxChars },
    cost: changeCost,
    tooLarge: (cost) =>
      new TerminalError(
        AwsReason.InvalidChange,
        `the record set is too large for one Route 53 change batch (${cost.values} values and ${cost.chars} characters with its ownership record, ` +
          `an UPSERT counting twice; Route 53 allows ${maxValues} and ${maxChars}); use fewer or shorter values`,
      ),
    // Refused whole: a bad change (InvalidChange), or a guard on a stale plan (Conflict, classify.ts).
    refused: (err) => isAdapterError(err) && (err.reason === AwsReason.InvalidChange || err.reason === AwsReason.Conflict),
    // InvalidChangeBatch messages quote the names of the records at fault.
    named: (err, c) => (err as Error).message.includes(`'${c.recordSet.name}'`),
  };
}
