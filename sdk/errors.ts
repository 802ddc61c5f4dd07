// The typed errors of the adapter boundary. An adapter decides once, where the cloud's answer
// arrives, whether retrying can help; the reconciler never guesses deeper inside.

/** How the reconciler treats a failure. */
export type ErrorKind = 'Retryable' | 'Terminal' | 'Conflict';

export interface AdapterErrorOptions {
  /** The underlying error, kept for logs; its message must not hold a secret value. */
  cause?: unknown;
  /** For Retryable: the earliest useful retry, when the cloud said (Retry-After). */
  retryAfterMs?: number;
  /** For Retryable: true when the cloud throttled us, so the account limiter slows down. */
  throttled?: boolean;
}

// Symbol.for, so errors from a plugin that bundles its own copy of the SDK are still recognised.
const ADAPTER_ERROR = Symbol.for('mooring.dev/adapter-error');

/** Base class: a reason code (becomes the condition's reason) and a human message. */
export abstract class AdapterError extends Error {
  abstract readonly kind: ErrorKind;
  readonly reason: string;
  readonly retryAfterMs: number | undefined;
  readonly throttled: boolean;

  constructor(reason: string, message: string, options: AdapterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
    this.throttled = options.throttled ?? false;
    Object.defineProperty(this, ADAPTER_ERROR, { value: true });
  }
}

/** Throttling, 5xx, timeouts, dropped connections: back off and try again. */
export class RetryableError extends AdapterError {
  readonly kind = 'Retryable' as const;
  override readonly name = 'RetryableError';
}

/** Bad configuration, access denied, a name owned by someone else: retrying cannot help. */
export class TerminalError extends AdapterError {
  readonly kind = 'Terminal' as const;
  override readonly name = 'TerminalError';
}

/** Someone else changed the thing between our read and our write: re-observe, then retry. */
export class ConflictError extends AdapterError {
  readonly kind = 'Conflict' as const;
  override readonly name = 'ConflictError';
}

/** True for an AdapterError made by any copy of the SDK (instanceof sees only this copy's). */
export function isAdapterError(err: unknown): err is AdapterError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[ADAPTER_ERROR] === true;
}
