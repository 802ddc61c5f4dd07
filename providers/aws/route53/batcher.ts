// Route 53's batches on the SDK's per-zone batcher (sdk/batch.ts, driven by the DNS kit, which does
// the timing, the cut at the limiter's slot, the planning, the packing and the isolating of a
// refused change): one batch is one ChangeResourceRecordSets call, within Route 53's limits on
// values and characters, and Route 53 refuses a whole batch for one bad change
// (InvalidChangeBatch), naming the record in quotes; it also refuses a stale plan's guarded CREATE
// or DELETE the same way.
import { TerminalError, isAdapterError, type DnsBatchOptions } from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { changeCost } from './state.ts';

/** Defaults of the per-zone batcher; docs/dnsrecord.md points here. */
export const BATCH_DEFAULTS = {
  /** A batch queues for its slot at the account limiter once no change has joined it for this long... */
  windowMs: 500,
  /** ...or once its first change has waited this long, whichever comes first. */
  maxWaitMs: 3_000,
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
  const { windowMs, maxWaitMs, maxValues, maxChars } = { ...BATCH_DEFAULTS, ...options };
  return {
    windowMs,
    maxWaitMs,
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
