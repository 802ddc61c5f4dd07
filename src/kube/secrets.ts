// Connection Secrets on the apiserver: read one, and write it whole (create, or replace on the
// resourceVersion read, so a concurrent change is a 409 and the pass starts again). Values never
// leave this file except as the decoded strings the reconciler asked for.
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import type { SecretBody, SecretStore, StoredSecret } from '../reconcile/types.ts';
import type { KubeClient } from './client.ts';
import { resourcePath } from './paths.ts';

/** The Secret fields this store reads and writes. */
interface SecretObject {
  apiVersion?: string;
  kind?: string;
  type?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string; [field: string]: unknown }[];
    [field: string]: unknown;
  };
  data?: Record<string, string>;
}

const secretPath = (namespace: string, name?: string) => resourcePath({ group: '', version: 'v1', plural: 'secrets', namespace, name });

const decode = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

const encode = (data: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));

function stored(secret: SecretObject): StoredSecret {
  return { data: decode(secret.data), annotations: { ...(secret.metadata?.annotations ?? {}) }, resourceVersion: secret.metadata?.resourceVersion };
}

export class KubeSecretStore implements SecretStore {
  private readonly kube: KubeClient;
  /** Kube API requests made, for the benchmark's cost figures. */
  requests = 0;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  private get(namespace: string, name: string): Promise<SecretObject> {
    return this.kube.request<SecretObject>('GET', secretPath(namespace, name));
  }

  private replace(secret: SecretObject & { metadata: { namespace: string; name: string } }): Promise<SecretObject> {
    return this.kube.request<SecretObject>('PUT', secretPath(secret.metadata.namespace, secret.metadata.name), { body: secret });
  }

  async read(namespace: string, name: string): Promise<StoredSecret | undefined> {
    const secret = await this.readRaw(namespace, name);
    return secret && stored(secret);
  }

  /**
   * A Secret as the apiserver returns it (data still base64), undefined when there is none: for a
   * reference, which decodes one key only once the Secret's labels allow it.
   */
  async readRaw(namespace: string, name: string): Promise<SecretObject | undefined> {
    this.requests++;
    try {
      return await this.get(namespace, name);
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async write(body: SecretBody, previous: StoredSecret | undefined): Promise<StoredSecret> {
    this.requests++;
    const secret = {
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
      ? await this.replace(secret)
      : await this.kube.request<SecretObject>('POST', secretPath(body.namespace), { body: secret });
    return stored(written);
  }

  async release(namespace: string, name: string, ownerUid: string): Promise<void> {
    this.requests++;
    let secret: SecretObject;
    try {
      secret = await this.get(namespace, name);
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
    await this.replace({ ...secret, metadata: { ...secret.metadata, namespace, name, ownerReferences: kept } });
  }
}
