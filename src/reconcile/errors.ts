// Turning whatever a reconcile threw into the condition the user sees and what the queue does next.
import { TerminalError, isAdapterError } from '../../sdk/index.ts';
import { kubeMessage, kubeStatus } from '../runtime/apiserver-errors.ts';
import { Reason } from './reasons.ts';
import { formatIssues, type IssueLike } from '../api/issues.ts';
import type { Failure } from './retry.ts';

/** A bad spec, with the field and the rule in the message. */
export function invalidSpec(issues: readonly IssueLike[]): TerminalError {
  return new TerminalError(Reason.InvalidSpec, `the spec is invalid: ${formatIssues(issues, 'spec')}`);
}

/**
 * What a failure means, decided once here: the outcome (src/reconcile/retry.ts says what each
 * means for the next look), the reason code and the message users read.
 */
export function classify(err: unknown): Failure {
  if (isAdapterError(err)) {
    if (err.kind === 'Terminal') return { outcome: 'terminal', reason: err.reason, message: err.message };
    if (err.kind === 'Conflict') return { outcome: 'conflict', reason: Reason.Conflict, message: err.message };
    if (err.throttled) return { outcome: 'throttled', reason: Reason.Throttled, message: err.message, retryAfterMs: err.retryAfterMs };
    return { outcome: 'retryable', reason: err.reason, message: err.message, retryAfterMs: err.retryAfterMs };
  }
  const status = kubeStatus(err);
  if (status === 409) return { outcome: 'conflict', reason: Reason.Conflict, message: 'the object changed while it was being reconciled' };
  if (status === 401 || status === 403) return { outcome: 'retryable', reason: Reason.KubeForbidden, message: forbidden(err, status) };
  if (status === 429 || (status !== undefined && status >= 500) || (err as Error | null)?.name === 'KubeUnreachableError') {
    const message = `the apiserver could not serve the operator's call: ${kubeMessage(err) ?? (err as Error).message}`;
    return { outcome: status === 429 ? 'throttled' : 'retryable', reason: Reason.KubeUnavailable, message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { outcome: 'retryable', reason: Reason.ReconcileError, message };
}

/** The apiserver's own sentence (it names the identity, verb and resource), and what to run. */
function forbidden(err: unknown, status: number): string {
  const what = kubeMessage(err) ?? (status === 401 ? 'the apiserver does not accept the operator\'s credentials' : 'the apiserver refused a call');
  return `${what}; the operator's RBAC lacks a permission (run mooring doctor --service-account NAMESPACE/NAME to list what is missing)`;
}
