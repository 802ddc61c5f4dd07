// The retry policy, in one place: what the end of a pass means for the next look at the object.
// A pass ends in one of seven outcomes, returned as a value (a failure is never thrown past the
// reconciler); the controller hands `nextLook(result)` to the work queue, which keeps each object's
// failure count (src/runtime/backoff.ts: base 5 s, max 300 s, each delay jittered between half and
// all of its ceiling, doubling per consecutive failure; `--backoff-base`, `--backoff-max`).
//
// | outcome   | what happened                                        | next look                                        | counts toward the backoff |
// | --------- | ---------------------------------------------------- | ------------------------------------------------ | ------------------------- |
// | done      | settled (Ready, Planned, Observed) or let go         | at the resync (jittered); never once let go      | no: resets it             |
// | pending   | work under way, ours or the cloud's                  | after the poll the pass chose (pollAfterMs)      | no: resets it             |
// | waiting   | only the user can move it on (BucketNotEmpty …)      | at a steady poll (--user-wait-poll, 30 s)        | no: resets it             |
// | conflict  | the object or the cloud changed under the pass       | backoff from a tenth of the base (0.5, 1, 2 s …) | yes                       |
// | throttled | the cloud or the apiserver said slow down            | backoff, never sooner than its retry-after       | yes                       |
// | retryable | an outage, a timeout, a refused connection …         | backoff (never sooner than a retry-after given)  | yes                       |
// | terminal  | only a change helps (a bad spec, NotOwned …)         | at the resync (jittered)                         | no: resets it             |
//
// Elsewhere traffic is held back, but nothing is retried: the account limiter (src/limits) spaces
// requests and slows down under throttling, and the throttled call still fails here; the DNS
// batcher (sdk/batch.ts) plans a batch refused as stale again on a fresh read, a correctness step
// whose failures come back here typed; adapters' SDK clients make one attempt (maxAttempts 1).
import type { FailureKind } from '../runtime/backoff.ts';
import type { QueueResult } from '../runtime/queue.ts';
import { Reason } from './reasons.ts';
import type { Logger, ManagedObject } from './types.ts';

/** Settled: look again at the resync, or (unset) only when something changes. */
export interface Done {
  outcome: 'done';
  resyncAfterMs?: number | undefined;
}

/** Something is under way: look again after the poll. */
export interface Pending {
  outcome: 'pending';
  pollAfterMs: number;
  /** Look again as soon as this settles, if before the poll (what is awaited is likely over). */
  wake?: PromiseLike<unknown> | undefined;
}

/** Why a pass failed or refused: the reason code (the Degraded condition's, the Warning Event's) and the message. */
interface Why {
  reason: string;
  message: string;
}

/** The object or the cloud changed between the pass's read and its write. */
export interface Conflict extends Why {
  outcome: 'conflict';
}

/** Trying again may help: an outage, a timeout, a throttled call. */
export interface Retry extends Why {
  outcome: 'throttled' | 'retryable';
  /** The earliest worth trying again, when the failure said (a Retry-After). */
  retryAfterMs?: number | undefined;
}

/**
 * The pass waits on something only the user does in the cloud (empties a bucket, closes the
 * sessions): not a failure to back off from, so it is looked at again at a steady poll, and the
 * user's act is noticed within that poll (USER_WAIT_POLL_MS by default).
 */
export interface Waiting extends Why {
  outcome: 'waiting';
  pollAfterMs: number;
}

/** The steady poll of a state that waits on the user: a delete after the user empties a bucket is noticed within it. */
export const USER_WAIT_POLL_MS = 30_000;

/**
 * Refusals that wait on the user's act, not on a change of spec (in the cloud; or a label on a
 * Secret, which nothing watches): polled steadily (Waiting).
 */
export const WAITS_ON_USER: ReadonlySet<string> = new Set([Reason.BucketNotEmpty, Reason.DatabaseInUse, Reason.ReferenceNotPermitted]);

/** Only a change of spec, configuration or credentials helps (or a refusal: NotOwned, AlreadyOwned …). */
export interface TerminalFailure extends Why {
  outcome: 'terminal';
}

/** A terminal failure or refusal, shown in status, looked at again at the resync. */
export interface Terminal extends TerminalFailure {
  resyncAfterMs: number;
}

/** A failure as src/reconcile/errors.ts classifies it, once. */
export type Failure = Conflict | Retry | TerminalFailure;

/** How a pass ended. */
export type ReconcileResult = Done | Pending | Waiting | Conflict | Retry | Terminal;

/**
 * Reconciles one object to its spec, level-based: the object as the cache last saw it is the whole
 * input, and a pass may be repeated at any time with the same effect.
 *
 * The returned result is the whole answer, and failures are values in it, never thrown (a throw is
 * a bug, and the queue backs the object off as for `retryable`): `done` and `terminal` look again
 * at the resync (`done` without one: only when something changes), `pending` and `waiting` after their poll, and
 * `conflict`, `throttled` and `retryable` after the object's failure backoff, which they grow and
 * every other outcome resets (the table in src/reconcile/retry.ts). Status, conditions and Events
 * are written by the pass itself before it returns.
 */
export interface Reconciler {
  reconcile(object: ManagedObject, log?: Logger): Promise<ReconcileResult>;
}

/** What each outcome means for the work queue: a plain requeue, or a step of the failure backoff. */
export function nextLook(result: ReconcileResult): QueueResult {
  switch (result.outcome) {
    case 'done':
      return { requeueAfterMs: result.resyncAfterMs };
    case 'terminal':
      return { requeueAfterMs: result.resyncAfterMs };
    case 'pending':
      return { requeueAfterMs: result.pollAfterMs, ...(result.wake ? { wake: result.wake } : {}) };
    case 'waiting':
      return { requeueAfterMs: result.pollAfterMs };
    case 'conflict':
      return { failed: { kind: 'conflict' satisfies FailureKind, reason: result.reason } };
    case 'throttled':
    case 'retryable':
      return { failed: { kind: 'failure' satisfies FailureKind, reason: result.reason, retryAfterMs: result.retryAfterMs } };
  }
}

export const POLL_DEFAULTS = {
  /** The first look after a write, and the shortest poll while something is pending. */
  pollMs: 1000,
  /** The longest wait between looks while something is pending. */
  maxPollMs: 30_000,
} as const;

/**
 * While something is pending: half the time waited so far (since Progressing turned True),
 * between pollMs and maxPollMs. Polls thin out as a wait drags on, with no state kept beyond the
 * condition itself, so a restarted operator backs off the same way.
 */
export function pendingPollMs(waitedMs: number, pollMs: number = POLL_DEFAULTS.pollMs, maxPollMs: number = POLL_DEFAULTS.maxPollMs): number {
  return Math.min(maxPollMs, Math.max(pollMs, waitedMs / 2));
}
