// Each ProviderConfig, the way the operator would use it: it parses, its credentials Secret exists
// and holds what the provider needs, and a cheap read-only call with those credentials reaches
// the cloud or the emulator (the provider's probe). Nothing is written anywhere.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/common.ts';
import { parseProviderConfigSpec } from '../api/providerconfig.ts';
import { RetryableError, isAdapterError } from '../../sdk/index.ts';
import { Limits } from '../limits/index.ts';
import { grantsEveryNamespace } from '../operator/grants.ts';
import { probeReport, providerConfigView, Resolver, type ProviderConfigView, type ProviderRegistration } from '../operator/providers.ts';
import { Reason } from '../reconcile/reasons.ts';
import { KubeClient } from '../kube/client.ts';
import { readClusterOwnershipId } from '../kube/cluster-id.ts';
import { fail, ok, warn, type Finding } from './report.ts';

/** Giving up on a probe: doctor must answer even when an endpoint swallows packets. */
export const PROBE_TIMEOUT_MS = 15_000;

interface ProviderConfigObject {
  metadata: { name: string };
  spec?: unknown;
}

/** What to do next, by the reason a failed check carries (docs/reasons.md has the long form). */
function fixFor(reason: string, pc: ProviderConfigView): string {
  const ref = pc.credentials?.secretRef;
  const secret = ref ? `Secret ${ref.namespace}/${ref.name}` : 'the credentials Secret';
  const fixes: Record<string, string> = {
    [Reason.CredentialsNotFound]: `create ${secret} (aws: keys accessKeyId and secretAccessKey; postgres: url) or fix spec.credentials.secretRef`,
    [Reason.InvalidCredentials]: `the cloud does not accept the credentials in ${secret}: put working ones there`,
    [Reason.AccessDenied]: `the credentials in ${secret} are accepted but lack a permission (the message names it): grant it`,
    [Reason.ProviderUnavailable]: `nothing answered at ${pc.endpoint ?? 'the cloud endpoint'}: check spec.endpoint and that the emulator or cloud is up and reachable (doctor runs from here; the operator from its pod)`,
    [Reason.ProviderConfigInvalid]: 'fix the field the message names in the ProviderConfig or its Secret',
    [Reason.ProviderNotRegistered]: `no loaded provider has type ${pc.type}: fix spec.type or load the plugin (--providers)`,
  };
  return fixes[reason] ?? `see docs/reasons.md, reason ${reason}`;
}

async function readSecrets(kc: KubeConfig, views: ProviderConfigView[]): Promise<Map<string, Record<string, string>>> {
  const core = kc.makeApiClient(CoreV1Api);
  const secrets = new Map<string, Record<string, string>>();
  for (const view of views) {
    const ref = view.credentials?.source === 'Secret' ? view.credentials.secretRef : undefined;
    if (!ref || secrets.has(`${ref.namespace}/${ref.name}`)) continue;
    try {
      const secret = await core.readNamespacedSecret({ namespace: ref.namespace, name: ref.name });
      const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      secrets.set(`${ref.namespace}/${ref.name}`, data);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  return secrets;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RetryableError(Reason.ProviderUnavailable, `${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkOne(view: ProviderConfigView, resolver: Resolver, providers: ProviderRegistration[]): Promise<Finding> {
  const check = `providerconfig/${view.name}`;
  const provider = providers.find((p) => p.type === view.type);
  const kind = provider && Object.keys(provider.kinds)[0];
  if (!provider || !kind) return fail(check, `type ${view.type}: no loaded provider serves it`, fixFor(Reason.ProviderNotRegistered, view));
  try {
    const { connection } = await resolver.resolve(view.name, kind);
    if (!provider.probe) return ok(check, `type ${view.type}: credentials resolved; the provider offers no probe, so reachability is not checked`);
    return ok(check, probeReport(await withTimeout(provider.probe(connection), PROBE_TIMEOUT_MS, `probing ${view.endpoint ?? view.type}`)).summary);
  } catch (err) {
    // isAdapterError, not instanceof: a plugin's errors may come from its own copy of the SDK.
    if (!isAdapterError(err)) throw err;
    return fail(check, `${err.reason}: ${err.message}`, fixFor(err.reason, view));
  }
}

/** One finding per ProviderConfig (those named in `only`, when given), or one saying there are none. */
export async function checkProviderConfigs(kc: KubeConfig, providers: ProviderRegistration[], only: string[] = []): Promise<Finding[]> {
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs' })) as { items: ProviderConfigObject[] };
  const items = only.length ? list.items.filter((pc) => only.includes(pc.metadata.name)) : list.items;
  const absent = only.filter((name) => !items.some((pc) => pc.metadata.name === name));
  const findings = absent.map((name) => fail(`providerconfig/${name}`, 'does not exist', 'create it (docs/providerconfig.md), or check the name: kubectl get providerconfigs'));
  if (!list.items.length) return [fail('providerconfigs', 'none exist, so nothing can be reconciled', 'create one: deploy/examples/providerconfig-aws.yaml, docs/providerconfig.md')];
  const views: ProviderConfigView[] = [];
  for (const pc of items) {
    const parsed = parseProviderConfigSpec(pc.spec);
    if (parsed.spec) views.push(providerConfigView(pc.metadata.name, parsed.spec));
    else findings.push(fail(`providerconfig/${pc.metadata.name}`, `does not parse: ${parsed.problems.join('; ')}`, 'fix the fields named (docs/reference/providerconfig.md)'));
  }
  const secrets = await readSecrets(kc, views);
  const byName = new Map(views.map((v) => [v.name, v]));
  const resolver = new Resolver({ get: (name) => byName.get(name) }, { secret: (ns, name) => secrets.get(`${ns}/${name}`) }, new Limits(), providers);
  const clusterId = await readClusterId(kc);
  if (typeof clusterId === 'string') resolver.useClusterId(clusterId);
  findings.push(...(await Promise.all(views.map((v) => checkOne(v, resolver, providers)))));
  findings.push(...views.map((v) => ownershipFinding(v, resolver, clusterId)));
  findings.push(...views.flatMap(tenancyWarnings));
  return findings;
}

/** This cluster's ownership id as the operator computes it, or why it could not be read. */
async function readClusterId(kc: KubeConfig): Promise<string | { error: string }> {
  const kube = KubeClient.fromKubeConfig(kc);
  try {
    return await readClusterOwnershipId(kube);
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    kube.close();
  }
}

/** The ownership id and mark form the operator uses for a config (docs/security.md#ownership). */
export function ownershipFinding(view: ProviderConfigView, resolver: Pick<Resolver, 'ownershipId' | 'markForm'>, clusterId: string | { error: string }): Finding {
  const check = `ownership/${view.name}`;
  const form = resolver.markForm(view.name);
  const shape = form === 'Hashed' ? '<id>/h/<keyed hash>' : '<id>/<namespace>/<name>/<uid>';
  try {
    const id = resolver.ownershipId(view.name);
    const whence = view.ownershipId === undefined ? "this cluster's own, from the kube-system Namespace's uid" : 'spec.ownershipId';
    return ok(check, `ownership id ${id} (${whence}); marks ${form}: ${shape}`);
  } catch (err) {
    if (!isAdapterError(err)) throw err;
    const why = typeof clusterId === 'string' ? '' : ` (${clusterId.error})`;
    return fail(check, `${err.reason}: no spec.ownershipId, and the kube-system Namespace cannot be read${why}`, 'let the operator (and you) get the kube-system Namespace; the operator needs it to mark anything made through this config');
  }
}

/** Grants and policy an admin of a shared cluster should look at twice (docs/security.md#tenancy). */
export function tenancyWarnings(view: ProviderConfigView): Finding[] {
  const check = `providerconfig/${view.name}`;
  const found: Finding[] = [];
  if (grantsEveryNamespace(view.grants)) {
    found.push(warn(check, 'spec.grants.namespaceSelector is {}: every namespace may use this config', 'grant it by name or by a label only the platform team sets (docs/security.md#tenancy)'));
  } else if (!view.grants?.namespaces?.length && !view.grants?.namespaceSelector) {
    found.push(warn(check, 'spec.grants is empty: no namespace may use this config', 'list the namespaces that may use it in spec.grants (docs/providerconfig.md#grants-and-policy)'));
  }
  if (view.policy?.adoption === 'Allowed') {
    found.push(warn(check, 'spec.policy.adoption is Allowed: any granted namespace may take over unmarked assets this config reaches', 'turn it on for a migration only, on a config granted to the one namespace migrating'));
  }
  return found;
}
