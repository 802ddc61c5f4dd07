// Turning whatever a reconcile threw into the condition the user sees and what the queue does next.
import { TerminalError, isAdapterError } from '../../sdk/index.ts';
import { kubeMessage, kubeStatus } from '../runtime/apiserver-errors.ts';
import { Reason } from './reasons.ts';
import { formatIssues, type IssueLike } from '../api/issues.ts';

/** A bad spec, with the field and the rule in the message. */
export function invalidSpec(issues: readonly IssueLike[]): TerminalError {
  return new TerminalError(Reason.InvalidSpec, `the spec is invalid: ${formatIssues(issues, 'spec')}`);
}

export interface Classified {
  reason: string;
  message: string;
  /** Terminal: wait for a change or the resync. Retryable: back off and try again. */
  retry: 'backoff' | 'resync' | 'soon';
  retryAfterMs?: number | undefined;
  throttled: boolean;
}

export function classify(err: unknown): Classified {
  if (isAdapterError(err)) {
    const reason = err.throttled ? Reason.Throttled : err.reason;
    if (err.kind === 'Terminal') return { reason, message: err.message, retry: 'resync', throttled: false };
    if (err.kind === 'Conflict') return { reason: Reason.Conflict, message: err.message, retry: 'soon', throttled: false };
    return { reason, message: err.message, retry: 'backoff', retryAfterMs: err.retryAfterMs, throttled: err.throttled };
  }
  const status = kubeStatus(err);
  if (status === 409) return { reason: Reason.Conflict, message: 'the object changed while it was being reconciled', retry: 'soon', throttled: false };
  if (status === 401 || status === 403) return { reason: Reason.KubeForbidden, message: forbidden(err, status), retry: 'backoff', throttled: false };
  if (status === 429 || (status !== undefined && status >= 500) || (err as Error | null)?.name === 'KubeUnreachableError') {
    return { reason: Reason.KubeUnavailable, message: `the apiserver could not serve the operator's call: ${kubeMessage(err) ?? (err as Error).message}`, retry: 'backoff', throttled: status === 429 };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { reason: Reason.ReconcileError, message, retry: 'backoff', throttled: false };
}

/** The apiserver's own sentence (it names the identity, verb and resource), and what to run. */
function forbidden(err: unknown, status: number): string {
  const what = kubeMessage(err) ?? (status === 401 ? 'the apiserver does not accept the operator\'s credentials' : 'the apiserver refused a call');
  return `${what}; the operator's RBAC lacks a permission (run mooring doctor --service-account NAMESPACE/NAME to list what is missing)`;
}
