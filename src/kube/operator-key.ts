// The operator's own key: 32 random bytes in a Secret of the operator's namespace, made by the
// first replica that finds none and read by every other. It signs what tenants must not be able to
// write (the pending-create mark, src/reconcile/pending.ts). Only the operator's ServiceAccount may
// read that Secret (the chart's Role names it).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import type { KubeClient } from './client.ts';
import { resourcePath } from './paths.ts';

export const OPERATOR_KEY_SECRET = 'mooring-operator-key';
const KEY = 'key';

interface KeySecret {
  data?: Record<string, string>;
}

/**
 * The key from `namespace/name`, created when missing (a race between replicas ends in a 409 and a
 * read of the winner's). Undefined when the namespace does not exist: then the caller keeps a key
 * of its own process, and a create interrupted by a restart shows NotOwned instead of being resumed.
 */
export async function loadOperatorKey(kube: KubeClient, namespace: string, log: Logger, name = OPERATOR_KEY_SECRET): Promise<Buffer | undefined> {
  const path = resourcePath({ group: '', version: 'v1', plural: 'secrets', namespace, name });
  const read = async () => decodeKey(await kube.request<KeySecret>('GET', path));
  try {
    return await read();
  } catch (err) {
    if (kubeStatus(err) !== 404) throw err;
  }
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'mooring' } }, data: { [KEY]: randomBytes(32).toString('base64') } };
  try {
    return decodeKey(await kube.request<KeySecret>('POST', resourcePath({ group: '', version: 'v1', plural: 'secrets', namespace }), { body }));
  } catch (err) {
    if (kubeStatus(err) === 409) return read();
    if (kubeStatus(err) === 404) {
      log.warn({ namespace }, 'the operator namespace does not exist: the pending-create key lives only as long as this process');
      return undefined;
    }
    throw err;
  }
}

/**
 * The key, read only (never made): for tools outside the operator (`mooring plan`) that must
 * compute what it computes. Undefined when the Secret is missing or the caller may not read it.
 */
export async function readOperatorKey(kube: KubeClient, namespace: string, name = OPERATOR_KEY_SECRET): Promise<Buffer | undefined> {
  try {
    return decodeKey(await kube.request<KeySecret>('GET', resourcePath({ group: '', version: 'v1', plural: 'secrets', namespace, name })));
  } catch (err) {
    if (kubeStatus(err) === 404 || kubeStatus(err) === 403) return undefined;
    throw err;
  }
}

function decodeKey(secret: KeySecret): Buffer {
  const key = Buffer.from(secret.data?.[KEY] ?? '', 'base64');
  if (key.length < 16) throw new Error(`the operator key Secret has no usable '${KEY}' (at least 16 bytes, base64)`);
  return key;
}
