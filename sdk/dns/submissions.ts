// Submission tracking: the last change handed to the batcher for each record set, and how it
// ended (queued, sent, failed), for observe to report: `pending` while queued, the typed error once
// failed, `written` once the backend accepted a batch that carried it. The reconciler claims a
// write in an Event only then (src/reconcile/held-claims.ts), so no Event claims what the backend
// never took.
import type { BatchResult } from '../batch.ts';

export interface Submission<Receipt> {
  action: 'upsert' | 'delete';
  state: 'queued' | 'sent' | 'failed';
  /** Sent with changes (not found unneeded when planned): the backend took a write. */
  wrote?: boolean | undefined;
  receipt?: Receipt | undefined;
  /** When the backend accepted it: the known listing holds the record set as of then. */
  sentAt?: number | undefined;
  /** Settles (never rejects) once the batch that carries it went or was refused: observe's `Pending.until`. */
  settled: Promise<void>;
  /** An observe looked at it once sent (the next ones are drift checks). */
  looked?: boolean | undefined;
  error?: unknown;
}

/** Submissions by zone id and record key, one per record set (the latest). */
export class Submissions<Receipt> {
  private readonly byKey = new Map<string, Submission<Receipt>>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Tracks a change just queued; `done` settles once the batch that carried it did. */
  track(key: string, action: Submission<Receipt>['action'], done: Promise<BatchResult<Receipt>>): void {
    const submission: Submission<Receipt> = { action, state: 'queued', settled: Promise.resolve() };
    this.byKey.set(key, submission);
    submission.settled = done.then(
      ({ sent, receipt }) => void Object.assign(submission, { state: 'sent', wrote: sent, receipt, sentAt: this.now() }),
      (err: unknown) => void Object.assign(submission, { state: 'failed', error: err }),
    );
  }

  get(key: string): Submission<Receipt> | undefined {
    return this.byKey.get(key);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
