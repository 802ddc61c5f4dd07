// How an apiserver failure reads: its HTTP status and the apiserver's own message. src/kube makes
// these errors (KubeApiError) and the reconciler classifies them (src/reconcile/errors.ts), so the
// reading sits on the floor both stand on, beside the informer that reads watch Statuses.

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
