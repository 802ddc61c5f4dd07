// `mooring plan -f FILE`: what applying a manifest would make the cloud do, before it is applied.
// Each managed object goes through a server-side dry run (the apiserver's defaults and validation,
// CEL rules included; nothing is stored), then through the reconciler itself with
// managementPolicy Plan: the same observe, and the same plan a Plan resource writes into its
// status. Every request it makes is a read: the ProviderConfig, its credentials Secret, the
// connection Secret, and the adapter's observe. A write reaching the writer below is a bug, and
// fails loudly instead of happening.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, loadAllYaml, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { PlannedCall } from '../api/common.ts';
import { GROUP, VERSION } from '../api/common.ts';
import { parseProviderConfigSpec } from '../api/providerconfig.ts';
import { KubeClient } from '../kube/client.ts';
import { readClusterOwnershipId } from '../kube/cluster-id.ts';
import { readOperatorKey } from '../kube/operator-key.ts';
import { MarkSigner } from '../reconcile/marks.ts';
import { DEFAULTS } from '../runtime/config.ts';
import { KubeSecretStore } from '../kube/secrets.ts';
import { Limits } from '../limits/index.ts';
import { EXIT_PLUGIN_REFUSED } from '../operator/plugins.ts';
import { commandProviders } from './providers.ts';
import { MANAGED_KINDS } from '../operator/manager.ts';
import { providerConfigView, Resolver, type ProviderRegistration } from '../operator/providers.ts';
import { kubeMessage, kubeStatus } from '../runtime/apiserver-errors.ts';
import { ManagedReconciler } from '../reconcile/managed.ts';
import { Reason } from '../reconcile/reasons.ts';
import { referencedSecretKey, targetsOf, type ReferenceSource } from '../reconcile/references.ts';
import type { ManagedKind, ManagedObject, ManagedStatus, ObjectWriter } from '../reconcile/types.ts';
import { loadKubeConfig } from './kube.ts';
import { UsageError } from './usage.ts';

export const PLAN_HELP = `usage: mooring plan -f FILE [options]

Prints, for each mooring resource in FILE, the cloud calls applying it would make (create,
update, adopt; each field with its live and its new value), and makes none: a server-side dry
run gives the apiserver's defaults and validation, then the resource is observed through its
provider exactly as the operator would (managementPolicy Plan, see docs/plan.md).

options:
  -f, --filename FILE    the manifest (YAML, one or more documents; other kinds are skipped)
  -n, --namespace NS     for objects that name none (default: the kubeconfig context's, else default)
      --kubeconfig FILE  default: $KUBECONFIG, the in-cluster service account, or ~/.kube/config
      --providers LIST   provider plugins to load, as mooring run takes them (default MOORING_PROVIDERS)
      --lease-namespace NAME  the operator's namespace, where its key Secret is: read (never made)
                         for ProviderConfigs with Hashed ownership marks (default ${DEFAULTS.leaseNamespace})
  -o, --output FORMAT    text (default) or json

Exit codes: 0 planned, 1 an object was refused (invalid, or the cloud or ownership refuses it),
2 bad usage, 3 a provider plugin refused.`;

/** One object's plan as printed. */
export interface PlanReport {
  kind: string;
  namespace: string;
  name: string;
  plan: PlannedCall[];
  /** Why nothing can be planned (Degraded), when so. */
  refused?: string;
  /** A reference whose value is not known yet (ReferenceNotReady): what it waits for. */
  waiting?: string;
}

export async function plan(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      filename: { type: 'string', short: 'f' },
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
      providers: { type: 'string', default: process.env.MOORING_PROVIDERS ?? '' },
      'lease-namespace': { type: 'string', default: DEFAULTS.leaseNamespace },
    },
  });
  if (!values.filename) throw new UsageError('name the manifest with -f FILE');
  if (!['text', 'json'].includes(values.output)) throw new UsageError(`--output is text or json, not ${values.output}`);
  const kc = await loadKubeConfig(values.kubeconfig);
  const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const documents = (loadAllYaml(readManifest(values.filename)) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => Boolean(o?.kind));
  const providers = await commandProviders('plan', values.providers);
  if (!providers) return EXIT_PLUGIN_REFUSED;
  const reports: PlanReport[] = [];
  const marks = await markContext(kc, values['lease-namespace']);
  try {
    for (const object of documents) {
      const kind = MANAGED_KINDS.find((k) => k.kind === object.kind);
      if (!kind || object.apiVersion !== `${GROUP}/${VERSION}`) continue;
      reports.push(await planOne(kc, kind, { ...object, metadata: { namespace, ...object.metadata } }, providers, marks));
    }
  } finally {
    for (const connector of new Set(providers.flatMap((p) => Object.values(p.kinds)))) await connector?.close?.().catch(() => undefined);
  }
  console.log(values.output === 'json' ? JSON.stringify(reports, null, 2) : reports.map(renderReport).join('\n\n') || 'no mooring resources in the manifest');
  return reports.some((r) => r.refused) ? 1 : 0;
}

function readManifest(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the manifest ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** What the operator builds ownership marks from: this cluster's id and, if readable, its key. */
export interface MarkContext {
  clusterId?: string | undefined;
  signer: MarkSigner;
}

/**
 * This cluster's ownership id (kube-system's uid, as the operator reads it) and the operator's key
 * (for Hashed marks), read with the user's kubeconfig. Either may be missing (no permission): the
 * objects needing it are then refused with the operator's own reason, never planned on a guess.
 */
export async function markContext(kc: KubeConfig, operatorNamespace: string): Promise<MarkContext> {
  const kube = KubeClient.fromKubeConfig(kc);
  try {
    const clusterId = await readClusterOwnershipId(kube).catch((err: unknown) => {
      if (kubeStatus(err) === 403 || kubeStatus(err) === 404) return undefined;
      throw err;
    });
    const key = await readOperatorKey(kube, operatorNamespace);
    return { clusterId, signer: new MarkSigner(key) };
  } finally {
    kube.close();
  }
}

/** Dry run, then one Plan pass of the reconciler against the cloud. */
export async function planOne(kc: KubeConfig, kind: ManagedKind, object: KubernetesObject, providers: ProviderRegistration[], marks: MarkContext): Promise<PlanReport> {
  const report = { kind: kind.kind, namespace: object.metadata!.namespace!, name: object.metadata!.name! };
  let defaulted: ManagedObject;
  try {
    defaulted = (await KubernetesObjectApi.makeApiClient(kc).patch(object, undefined, 'All', 'mooring-plan', true, PatchStrategy.ServerSideApply)) as unknown as ManagedObject;
  } catch (err) {
    return { ...report, plan: [], refused: `the apiserver refuses it: ${apiMessage(err)}` };
  }
  // A managementPolicies list narrows Full only, and Plan shows what Full would do: it goes.
  const { managementPolicies: _narrowing, ...spec } = defaulted.spec;
  const planned: ManagedObject = { ...defaulted, spec: { ...spec, managementPolicy: 'Plan' } };
  const pcName = (planned.spec.providerConfigRef as { name?: string } | undefined)?.name ?? '';
  const sources = await readProviderConfig(kc, pcName);
  let status: ManagedStatus | undefined;
  // The namespace's labels, for grants by namespaceSelector, as the operator's cache has them.
  const labels = await namespaceLabels(kc, report.namespace);
  const resolver = new Resolver(sources, sources, new Limits(), providers, { labels: (ns) => (ns === report.namespace ? labels : undefined) });
  if (marks.clusterId) resolver.useClusterId(marks.clusterId);
  const reconciler = new ManagedReconciler({
    kind,
    writer: recordingWriter((s) => (status = s)),
    secrets: readOnly(new KubeSecretStore(KubeClient.fromKubeConfig(kc))),
    events: { event: () => undefined },
    providers: resolver,
    markSigner: marks.signer,
    claims: { earlierClaimant: () => undefined },
    limits: new Limits(),
    log: { info() {}, warn() {}, error() {}, debug() {} },
    resyncMs: () => 0,
    references: await referencesFor(kc, kind, planned),
  });
  await reconciler.reconcile(planned).catch(() => undefined);
  const degraded = status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True');
  const waiting = status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'True' && c.reason === Reason.ReferenceNotReady);
  return {
    ...report,
    plan: status?.plan ?? [],
    ...(degraded ? { refused: `${degraded.reason}: ${degraded.message}` } : {}),
    ...(waiting ? { waiting: waiting.message } : {}),
  };
}

/**
 * What the object's references read, with the user's kubeconfig, in the object's namespace only:
 * the mooring objects they name (read first, since the reconciler asks for them synchronously),
 * and one key of a ConfigMap or Secret when asked. Nothing is written.
 */
async function referencesFor(kc: KubeConfig, kind: ManagedKind, object: ManagedObject): Promise<ReferenceSource> {
  const namespace = object.metadata.namespace;
  const managed = new Map<string, ManagedObject>();
  for (const target of targetsOf(object.spec, kind.references ?? [])) {
    const referable = MANAGED_KINDS.find((k) => k.kind === target.kind);
    if (!referable) continue;
    try {
      managed.set(`${target.kind}/${target.name}`, (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: referable.plural, namespace, name: target.name })) as ManagedObject);
    } catch (err) {
      if (kubeStatus(err) !== 404) throw err;
    }
  }
  const core = kc.makeApiClient(CoreV1Api);
  return {
    managed: (k, ns, name) => (ns === namespace ? managed.get(`${k}/${name}`) : undefined),
    key: async (k, ns, name, key) => {
      try {
        // A Secret by the operator's own rule (its opt-in label), so the plan says what the operator will do.
        if (k === 'Secret') return referencedSecretKey(await core.readNamespacedSecret({ namespace: ns, name }), name, key);
        const value = (await core.readNamespacedConfigMap({ namespace: ns, name })).data?.[key];
        return value === undefined ? { missing: `${k}/${name} has no key ${key}` } : { value };
      } catch (err) {
        if (kubeStatus(err) === 404) return { missing: `${k}/${name} does not exist in this namespace` };
        throw err;
      }
    },
  };
}

/** A namespace's labels; undefined when it cannot be read (then only grants by name match). */
export async function namespaceLabels(kc: KubeConfig, namespace: string): Promise<Record<string, string> | undefined> {
  try {
    return (await kc.makeApiClient(CoreV1Api).readNamespace({ name: namespace })).metadata?.labels ?? {};
  } catch (err) {
    if (kubeStatus(err) === 403 || kubeStatus(err) === 404) return undefined;
    throw err;
  }
}

/** The ProviderConfig and its credentials Secret, read once: the resolver's two sources. */
export async function readProviderConfig(kc: KubeConfig, name: string) {
  let view: ReturnType<typeof providerConfigView> | undefined;
  let secret: { namespace: string; name: string; data: Record<string, string> } | undefined;
  try {
    const pc = (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs', name })) as { spec?: unknown };
    const { spec } = parseProviderConfigSpec(pc.spec);
    if (spec) view = providerConfigView(name, spec);
    const ref = view?.credentials?.source === 'Secret' ? view.credentials.secretRef : undefined;
    if (ref) {
      const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret(ref);
      const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      secret = { ...ref, data };
    }
  } catch (err) {
    if (kubeStatus(err) !== 404) throw err;
  }
  return {
    get: (n: string) => (n === name ? view : undefined),
    secret: (ns: string, n: string) => (secret && secret.namespace === ns && secret.name === n ? secret.data : undefined),
  };
}

/** Keeps the status a pass would write; any other write is refused (a plan never writes). */
function recordingWriter(keep: (status: ManagedStatus) => void): ObjectWriter {
  const refuse = async (): Promise<never> => {
    throw new Error('mooring plan: the reconciler tried to write to the apiserver; nothing was written');
  };
  return { setFinalizers: refuse, setAnnotations: refuse, writeStatus: async (_o, status) => keep(status) };
}

function readOnly(store: KubeSecretStore) {
  return {
    read: store.read.bind(store),
    write: async (): Promise<never> => {
      throw new Error('mooring plan: the reconciler tried to write a Secret; nothing was written');
    },
  };
}

function apiMessage(err: unknown): string {
  return kubeMessage(err) ?? (err as Error).message;
}

/** `Bucket ns/name: update` then one line per field. */
export function renderReport(r: PlanReport): string {
  const head = `${r.kind} ${r.namespace}/${r.name}`;
  if (r.refused) return `${head}: refused — ${r.refused}`;
  if (r.waiting) return `${head}: not planned yet — ${r.waiting}`;
  if (!r.plan.length) return `${head}: no changes`;
  const lines = r.plan.flatMap((call) => [
    `${head}: ${call.operation}`,
    ...call.fields.map((f) => (f.old === undefined && f.new === undefined ? `  … ${f.path}` : f.old === undefined ? `  + ${f.path} = ${f.new}` : `  ~ ${f.path}: ${f.old} → ${f.new ?? '(removed)'}`)),
  ]);
  return lines.join('\n');
}
