// Turning whatever a reconcile threw into the condition the user sees and what the queue does next.
import { TerminalError, isAdapterError } from '../../sdk/index.ts';
import { Reason } from './reasons.ts';
import type { Failure } from './retry.ts';

/** A bad spec, with the field and the rule in the message. */
export function invalidSpec(issues: { path: PropertyKey[]; message: string }[]): TerminalError {
  const lines = issues.map((i) => `spec.${i.path.map(String).join('.')}: ${i.message}`);
  return new TerminalError(Reason.InvalidSpec, `the spec is invalid: ${lines.join('; ')}`);
}

/** The apiserver's HTTP status of a KubeApiError (src/kube/client.ts) or a client-node error, if it is one. */
export function kubeStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown; statusCode?: unknown } | null)?.code ?? (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The apiserver's own message from such an error's Status body, if it carries one. */
export function kubeMessage(err: unknown): string | undefined {
  let body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined; // not a Status object
    }
  }
  const message = (body as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
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
