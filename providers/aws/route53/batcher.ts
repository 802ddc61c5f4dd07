// Route 53's side of the SDK's per-zone batcher (sdk/batch.ts, which does the timing,
// the cut at the limiter's slot, the planning, the packing and the isolating of a refused change):
// one batch is one ChangeResourceRecordSets call, within Route 53's limits on values and
// characters, and Route 53 refuses a whole batch for one bad change (InvalidChangeBatch), naming
// the record in quotes; it also refuses a stale plan's guarded CREATE or DELETE the same way.
import { TerminalError, ZoneBatcher, isAdapterError, type BatchPlan, type BatchPort } from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { changeCost, keyOf, type RecordSet } from './state.ts';

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

export interface PlannedChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  recordSet: RecordSet;
}

/** One intent, planned: the changes it needs (none: the zone is already as wanted), or why not. */
export type Plan = BatchPlan<PlannedChange>;

export interface ChangeInfo {
  id: string;
  status: string;
}

type Limit = 'values' | 'chars';
export type Route53Batcher<Intent> = ZoneBatcher<Intent, PlannedChange, ChangeInfo, Limit>;

/** Runs a zone's write when the account limiter grants it a slot (AwsCaller.reserve). */
export type Slot = (zoneId: string, write: () => Promise<void>) => Promise<void>;

/** A batcher whose batches are Route 53 change batches; the port plans and sends them, `slot` times them. */
export function route53Batcher<Intent>(port: BatchPort<Intent, PlannedChange, ChangeInfo>, options: BatchOptions = {}, slot?: Slot): Route53Batcher<Intent> {
  const { windowMs, maxWaitMs, maxValues, maxChars } = { ...BATCH_DEFAULTS, ...options };
  return new ZoneBatcher<Intent, PlannedChange, ChangeInfo, Limit>(port, {
    windowMs,
    maxWaitMs,
    slot,
    limits: { values: maxValues, chars: maxChars },
    cost: (c) => changeCost(c.action, c.recordSet),
    tooLarge: (cost) =>
      new TerminalError(
        AwsReason.InvalidChange,
        `the record set is too large for one Route 53 change batch (${cost.values} values and ${cost.chars} characters with its ownership record, ` +
          `an UPSERT counting twice; Route 53 allows ${maxValues} and ${maxChars}); use fewer or shorter values`,
      ),
    key: (c) => keyOf(c.recordSet),
    // Refused whole: a bad change (InvalidChange), or a guard on a stale plan (Conflict, classify.ts).
    refused: (err) => isAdapterError(err) && (err.reason === AwsReason.InvalidChange || err.reason === AwsReason.Conflict),
    // InvalidChangeBatch messages quote the names of the records at fault.
    named: (err, c) => (err as Error).message.includes(`'${c.recordSet.name}'`),
  });
}
