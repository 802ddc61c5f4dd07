// Connection Secrets on the apiserver: read one, and write it whole (create, or replace on the
// resourceVersion read, so a concurrent change is a 409 and the pass starts again). Values never
// leave this file except as the decoded strings the reconciler asked for.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { kubeStatus } from '../reconcile/errors.ts';
import type { SecretBody, SecretStore, StoredSecret } from '../reconcile/types.ts';

const decode = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

const encode = (data: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));

function stored(secret: V1Secret): StoredSecret {
  return { data: decode(secret.data), annotations: { ...(secret.metadata?.annotations ?? {}) }, resourceVersion: secret.metadata?.resourceVersion };
}

export class KubeSecretStore implements SecretStore {
  private readonly api: CoreV1Api;
  /** Kube API requests made, for the benchmark's cost figures. */
  requests = 0;

  constructor(kc: KubeConfig) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async read(namespace: string, name: string): Promise<StoredSecret | undefined> {
    this.requests++;
    try {
      return stored(await this.api.readNamespacedSecret({ namespace, name }));
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async write(body: SecretBody, previous: StoredSecret | undefined): Promise<StoredSecret> {
    this.requests++;
    const secret: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: body.type,
      metadata: {
        name: body.name,
        namespace: body.namespace,
        annotations: body.annotations,
        labels: body.labels,
        // controller: true makes the garbage collector remove the Secret with its object.
        ownerReferences: [{ ...body.owner, controller: true }],
        ...(previous?.resourceVersion ? { resourceVersion: previous.resourceVersion } : {}),
      },
      data: encode(body.data),
    };
    const written = previous
      ? await this.api.replaceNamespacedSecret({ namespace: body.namespace, name: body.name, body: secret })
      : await this.api.createNamespacedSecret({ namespace: body.namespace, body: secret });
    return stored(written);
  }

  async release(namespace: string, name: string, ownerUid: string): Promise<void> {
    this.requests++;
    let secret: V1Secret;
    try {
      secret = await this.api.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (kubeStatus(err) === 404) return;
      throw err;
    }
    const owners = secret.metadata?.ownerReferences ?? [];
    const kept = owners.filter((o) => o.uid !== ownerUid);
    if (kept.length === owners.length) return;
    this.requests++;
    // Replaced whole on the resourceVersion read (the verb connection Secrets already use): a
    // concurrent change is a 409, and the pass runs again.
    await this.api.replaceNamespacedSecret({ namespace, name, body: { ...secret, metadata: { ...secret.metadata, ownerReferences: kept } } });
  }
}
