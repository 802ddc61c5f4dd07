// Deadlines of adapter calls. Each call gets an AbortSignal (ManagedResource.signal, and
// callSignal() for shared clients) and is raced against its deadline: when it passes, the call is
// abandoned with a retryable CallTimeout, so the object backs off and its worker is free for the
// next key, whether or not the adapter honours the signal. Stopping the operator aborts every
// call in flight (OperatorStopping), so shutdown ends within its grace period.
import { RetryableError, withCallSignal } from '../../sdk/index.ts';
import { realClock, type Clock } from '../runtime/clock.ts';
import { DEFAULTS } from '../runtime/config.ts';
import { Reason } from './reasons.ts';

export const DEADLINE_DEFAULTS = {
  /** observe, create, update, setCredentials. */
  callTimeoutMs: DEFAULTS.callTimeoutMs,
  /** delete: one call may empty a page of a bucket's objects (the adapter stops part-way and is called again). */
  deleteTimeoutMs: DEFAULTS.deleteTimeoutMs,
} as const;

export interface CallDeadlineOptions {
  callTimeoutMs?: number;
  deleteTimeoutMs?: number;
  clock?: Clock;
}

const seconds = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

export class CallDeadlines {
  private readonly callTimeoutMs: number;
  private readonly deleteTimeoutMs: number;
  private readonly clock: Clock;
  private readonly stopping = new AbortController();

  constructor(options: CallDeadlineOptions = {}) {
    this.callTimeoutMs = options.callTimeoutMs ?? DEADLINE_DEFAULTS.callTimeoutMs;
    this.deleteTimeoutMs = options.deleteTimeoutMs ?? DEADLINE_DEFAULTS.deleteTimeoutMs;
    this.clock = options.clock ?? realClock;
  }

  /** The deadline of one call of operation `op`. */
  timeoutMs(op: string): number {
    return op === 'delete' ? this.deleteTimeoutMs : this.callTimeoutMs;
  }

  /** Aborts every call in flight, and every later one at once (the operator is stopping). */
  abortAll(): void {
    this.stopping.abort(new RetryableError(Reason.OperatorStopping, 'the operator stopped while this call was in flight; the next operator retries it'));
  }

  /**
   * Runs `fn` with a signal that aborts at the deadline of `op` or at abortAll, and rejects with
   * that reason as soon as it aborts. `what` names the call in the message (`the aws adapter's
   * observe`); it must hold no secret.
   */
  async run<T>(op: string, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = this.timeoutMs(op);
    const call = new AbortController();
    const stop = this.stopping.signal;
    const onStop = () => call.abort(stop.reason);
    const timer = this.clock.setTimeout(() => {
      call.abort(new RetryableError(Reason.CallTimeout, `${what} did not finish within ${seconds(ms)}; it was abandoned and is retried with backoff`));
    }, ms);
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    // Rejects with the abort's reason (a RetryableError) the moment the signal aborts.
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(call.signal.reason as Error);
      if (call.signal.aborted) fail();
      else call.signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined); // handled by the race, or by throwIfAborted below
    try {
      call.signal.throwIfAborted(); // stopping already: no new call starts
      // The adapter's own promise settling after an abort changes nothing: the race is decided.
      return await Promise.race([withCallSignal(call.signal, () => Promise.resolve().then(() => fn(call.signal))), aborted]);
    } finally {
      timer.cancel();
      stop.removeEventListener('abort', onStop);
    }
  }
}

/** The deadlines of a reconciler given none (the defaults; never aborted by a stop). */
export const DEFAULT_DEADLINES = new CallDeadlines();
