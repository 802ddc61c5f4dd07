// Kubernetes helpers for integration tests: a client for the stack, the CRDs installed once,
// a namespace and an emulator ProviderConfig per test file, and polling with a clear failure.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { applyObjects, readManifests, waitForCrds } from '../../src/kube/apply.ts';
import { clusterOwnershipId } from '../../src/kube/cluster-id.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import type { StackInfo } from '../../src/stack/index.ts';
import type { StackGetter } from './stack.ts';

export function kubeConfig(info: StackInfo): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kube!.kubeconfig);
  return kc;
}

export async function installCrds(kc: KubeConfig): Promise<void> {
  const crds = readManifests(join(import.meta.dirname, '..', '..', 'crds'));
  await applyObjects(kc, crds, 'mooring-tests');
  await waitForCrds(kc, crds.map((c) => c.metadata!.name!));
}

export const uniq = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createNamespace(kc: KubeConfig, name = uniq('test')): Promise<string> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Test ProviderConfigs serve every namespace of their own stack (the tenancy tests grant narrowly). */
export const GRANT_ALL = { namespaceSelector: {} };
/**
 * And let tests adopt and write apex NS records, so what they test reaches the adapters (the default
 * policy forbids both; test/integration/tenancy.test.ts and admission.test.ts check the defaults).
 */
export const TEST_POLICY = { adoption: 'Allowed', dns: { apexNameServers: true } };

/** A credentials Secret and a ProviderConfig pointing at the stack's emulator. */
export async function emulatorProviderConfig(kc: KubeConfig, info: StackInfo, name = uniq('aws'), options: { withSecret?: boolean; endpoint?: string; settings?: Record<string, string>; spec?: Record<string, unknown> } = {}): Promise<string> {
  const aws = info.aws!;
  const secretNs = 'default';
  if (options.withSecret !== false) await createCredentialsSecret(kc, info, secretNs, `${name}-creds`);
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs',
    body: {
      apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name },
      spec: {
        type: 'aws', region: aws.region, endpoint: options.endpoint ?? aws.endpoint,
        credentials: { source: 'Secret', secretRef: { namespace: secretNs, name: `${name}-creds` } },
        settings: { forcePathStyle: 'true', ...options.settings },
        grants: GRANT_ALL, policy: TEST_POLICY,
        ...options.spec,
      },
    },
  });
  return name;
}

/** A postgres ProviderConfig whose admin Secret holds `data` (none: the Secret is not created). */
export async function postgresProviderConfig(kc: KubeConfig, name: string, data?: Record<string, string>): Promise<string> {
  if (data) await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${name}-admin` }, stringData: data } });
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs',
    body: {
      apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name },
      spec: { type: 'postgres', credentials: { source: 'Secret', secretRef: { namespace: 'default', name: `${name}-admin` } }, grants: GRANT_ALL, policy: TEST_POLICY },
    },
  });
  return name;
}

/** A Secret with the stack's PowerDNS API key and a `powerdns` ProviderConfig for its API (or `endpoint`, a proxy in front). */
export async function powerdnsProviderConfig(kc: KubeConfig, info: StackInfo, name = uniq('pdns'), options: { endpoint?: string } = {}): Promise<string> {
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${name}-key` }, stringData: { apiKey: info.pdns!.apiKey } } });
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs',
    body: {
      apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name },
      spec: { type: 'powerdns', endpoint: options.endpoint ?? info.pdns!.apiUrl, credentials: { source: 'Secret', secretRef: { namespace: 'default', name: `${name}-key` } }, grants: GRANT_ALL, policy: TEST_POLICY },
    },
  });
  return name;
}

/** What an AWS SDK client needs to reach the stack's emulator directly (the tests' oracle). */
export function emulatorClientConfig(info: StackInfo) {
  const aws = info.aws!;
  return { endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } };
}

export async function createCredentialsSecret(kc: KubeConfig, info: StackInfo, namespace: string, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace,
    body: { metadata: { name }, stringData: { accessKeyId: info.aws!.accessKeyId, secretAccessKey: info.aws!.secretAccessKey } },
  });
}

/**
 * The apiserver answers 429 "storage is (re)initializing" for a moment while another test file
 * applies a CRD that differs (an upgrade test): retried, as kubectl and the operator's client do.
 */
async function whileReinitializing<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if ((err as { code?: number }).code !== 429 || attempt >= 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export function objects(kc: KubeConfig, plural: string) {
  const api = kc.makeApiClient(CustomObjectsApi);
  const inNs = (namespace: string) => ({ group: GROUP, version: VERSION, plural, namespace });
  const at = (namespace: string, name: string) => ({ ...inNs(namespace), name });
  return {
    create: (namespace: string, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
      whileReinitializing(() => api.createNamespacedCustomObject({ ...inNs(namespace), body: { apiVersion: API_VERSION, kind: kindOf(plural), metadata: { name, ...metadata }, spec } }) as Promise<ManagedObject>),
    get: (namespace: string, name: string) => whileReinitializing(() => api.getNamespacedCustomObject(at(namespace, name)) as Promise<ManagedObject>),
    list: async (namespace: string) => ((await whileReinitializing(() => api.listNamespacedCustomObject(inNs(namespace)))) as { items: ManagedObject[] }).items,
    tryGet: async (namespace: string, name: string) => {
      try {
        return (await whileReinitializing(() => api.getNamespacedCustomObject(at(namespace, name)))) as ManagedObject;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    patchSpec: (namespace: string, name: string, spec: Record<string, unknown>) =>
      whileReinitializing(() => api.patchNamespacedCustomObject({ ...at(namespace, name), body: [{ op: 'replace', path: '/spec', value: spec }] })),
    remove: (namespace: string, name: string) => whileReinitializing(() => api.deleteNamespacedCustomObject(at(namespace, name))),
    /** Adds annotations to the object as it is now (refused, like kubectl's, if it changed meanwhile). */
    annotate: async (namespace: string, name: string, annotations: Record<string, string>) => {
      const o = (await api.getNamespacedCustomObject(at(namespace, name))) as ManagedObject;
      const merged = { ...(o.metadata.annotations ?? {}), ...annotations };
      await api.patchNamespacedCustomObject({ ...at(namespace, name), body: [
        { op: 'test', path: '/metadata/resourceVersion', value: o.metadata.resourceVersion },
        { op: 'add', path: '/metadata/annotations', value: merged },
      ] });
    },
  };
}

/** This cluster's ownership id, as the operator derives it for configs that name none. */
export async function clusterId(kc: KubeConfig): Promise<string> {
  const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
  return clusterOwnershipId(ns.metadata!.uid!);
}

/**
 * The Readable ownership mark the operator gives an object: `<id>/<namespace>/<name>/<uid>`, the
 * id this cluster's own unless given (test configs name none).
 */
export async function markOf(kc: KubeConfig, plural: string, namespace: string, name: string, ownershipId?: string): Promise<string> {
  const object = await objects(kc, plural).get(namespace, name);
  return `${ownershipId ?? (await clusterId(kc))}/${namespace}/${name}/${object.metadata.uid}`;
}

function kindOf(plural: string): string {
  return ({ buckets: 'Bucket', dnsrecords: 'DNSRecord', databases: 'Database' } as Record<string, string>)[plural] ?? plural;
}

export function condition(object: ManagedObject | undefined, type: string) {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** A Secret's data decoded and its owners (`Kind/name/uid/controller`), or undefined when there is none. */
export async function secretOf(kc: KubeConfig, namespace: string, name: string): Promise<{ data: Record<string, string>; owners: string[] } | undefined> {
  try {
    const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace, name });
    const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    return { data, owners: (s.metadata?.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}/${o.uid}/${o.controller}`) };
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The apiserver's refusal of a write (its Status body), or '' when the write was stored. */
export async function refusalOf(write: () => Promise<unknown>): Promise<string> {
  try {
    await write();
  } catch (err) {
    const body = (err as { body?: unknown }).body;
    return typeof body === 'string' ? body : JSON.stringify(body ?? (err as Error).message);
  }
  return '';
}

/** Polls until `check` returns a value (not undefined/false); fails with `describe()` on timeout. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waiting on one kind's objects in a namespace: Ready (at the current generation), Degraded with a
 * reason, gone. A timeout names what was awaited and shows the object's status.
 */
export function waiters(kc: KubeConfig, plural: string, namespace: string) {
  const api = objects(kc, plural);
  const kind = kindOf(plural);
  const status = (name: string) => async () => JSON.stringify((await api.tryGet(namespace, name))?.status);
  const until = (name: string, what: string, test: (o: ManagedObject) => boolean, timeoutMs: number) =>
    eventually(async () => {
      const o = await api.get(namespace, name);
      return test(o) ? o : undefined;
    }, `${kind} ${name} ${what}`, timeoutMs, status(name));
  return {
    ready: (name: string, timeoutMs = 30_000) =>
      until(name, 'Ready', (o) => condition(o, 'Ready')?.status === 'True' && o.status?.observedGeneration === o.metadata.generation, timeoutMs),
    degraded: (name: string, reason: string, timeoutMs = 30_000) => until(name, `Degraded/${reason}`, (o) => condition(o, 'Degraded')?.reason === reason, timeoutMs),
    gone: (name: string, timeoutMs = 30_000) => eventually(async () => (await api.tryGet(namespace, name)) === undefined, `${kind} ${name} gone`, timeoutMs, status(name)),
  };
}

/**
 * Where most integration tests start: the stack up, the CRDs installed, a namespace of their own
 * and a ProviderConfig on the emulator.
 */
export async function prepare(stack: StackGetter): Promise<{ kc: KubeConfig; ns: string; pc: string }> {
  await stack.ready();
  const kc = kubeConfig(stack());
  await installCrds(kc);
  const ns = await createNamespace(kc);
  return { kc, ns, pc: await emulatorProviderConfig(kc, stack()) };
}

/** S3 on the emulator directly, past the operator and its proxy: the tests' independent oracle. */
export const emulatorS3 = (info: StackInfo) => new S3Client({ ...emulatorClientConfig(info), forcePathStyle: true });

/**
 * The stack's PostgreSQL as its superuser, past the operator: the tests' oracle. A file run on its
 * own stops its stack (PostgreSQL too) before the file's after hook ends the pool, so an idle
 * connection the server ends is no error.
 */
export function postgresAdmin(info: StackInfo): pg.Pool {
  const pool = new pg.Pool({ connectionString: info.postgres!.url, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}
