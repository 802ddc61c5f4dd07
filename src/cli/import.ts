// `mooring import`: reads what exists behind a ProviderConfig (an account's S3 buckets, the record
// sets of DNS zones, a PostgreSQL server's databases) and writes the manifests that adopt it as it
// is. Every request is a read: the listings, then each thing observed through its adapter exactly
// as the operator would; the spec is made from the adapter's own drift report (import/derive.ts),
// so what it writes is what the operator then finds up to date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dumpYaml, type KubeConfig } from '@kubernetes/client-node';
import type { Connector, ExternalClient, ManagedResource } from '../../sdk/index.ts';
import { GROUP, VERSION } from '../api/common.ts';
import { Limits } from '../limits/index.ts';
import { EXIT_PLUGIN_REFUSED } from '../operator/plugins.ts';
import { commandProviders } from './providers.ts';
import { Resolver, type ProviderConfigView, type ProviderRegistration } from '../operator/providers.ts';
import { derive } from './import/derive.ts';
import { canListZones, dnsImporter, IMPORTERS, type Found, type KindImporter } from './import/kinds.ts';
import { NameBook } from './import/names.ts';
import { loadKubeConfig } from './kube.ts';
import { namespaceLabels, readProviderConfig } from './plan.ts';
import { UsageError } from './usage.ts';

export const IMPORT_HELP = `usage: mooring import --provider-config NAME [options]

Reads what exists behind a ProviderConfig and prints the manifests that adopt it as it is:
S3 buckets (type aws), the record sets of the zones named with --zone (aws: Route 53; a DNS
plugin such as powerdns), the databases of a PostgreSQL server and their owner roles (type
postgres). Every request is a read. Each object gets spec.adopt: true, deletionPolicy Retain
and managementPolicy ObserveOnly, and a spec the provider finds up to date; what mooring owns
already, and what its schema cannot express, is skipped with the reason on stderr. No secret is
written. See docs/import.md.

options:
      --provider-config NAME  the ProviderConfig to read through (from the cluster), and to name in the manifests
      --zone NAME        a DNS zone to import the record sets of (repeatable)
      --kind KIND        only this kind: Bucket, DNSRecord or Database (repeatable; default all the type serves)
  -n, --namespace NS     the namespace of the manifests (default: the kubeconfig context's, else default)
      --policy POLICY    managementPolicy: ObserveOnly (default), Plan or Full
      --deletion-policy P  Retain (default) or Delete
      --include-owned    also import things that carry a mooring ownership mark
  -o, --output-dir DIR   one file per object there, instead of stdout
      --kubeconfig FILE  default: $KUBECONFIG, the in-cluster service account, or ~/.kube/config
      --providers LIST   provider plugins to load, as mooring run takes them (default MOORING_PROVIDERS)
  Without a cluster, describe the ProviderConfig with flags instead (no grants or policy are checked):
      --type TYPE        aws, postgres, or a plugin's type; credentials from the environment (aws: the
                         SDK's chain; postgres: DATABASE_URL; powerdns: PDNS_API_KEY)
      --endpoint URL     --region REGION   --setting KEY=VALUE (repeatable)

Exit codes: 0 written, 1 a read failed (the message says which), 2 bad usage, 3 a provider plugin refused.`;

const POLICIES = ['ObserveOnly', 'Plan', 'Full'];

type Options = ReturnType<typeof parseOptions>;

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'provider-config': { type: 'string' },
      zone: { type: 'string', multiple: true, default: [] },
      kind: { type: 'string', multiple: true, default: [] },
      namespace: { type: 'string', short: 'n' },
      policy: { type: 'string', default: 'ObserveOnly' },
      'deletion-policy': { type: 'string', default: 'Retain' },
      'include-owned': { type: 'boolean', default: false },
      'output-dir': { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
      providers: { type: 'string', default: process.env.MOORING_PROVIDERS ?? '' },
      type: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      setting: { type: 'string', multiple: true, default: [] },
    },
  });
  if (!values['provider-config'] && !values.type) throw new UsageError('name the ProviderConfig with --provider-config NAME (or describe one with --type)');
  if (!POLICIES.includes(values.policy)) throw new UsageError(`--policy is one of ${POLICIES.join(', ')}, not ${values.policy}`);
  if (!['Retain', 'Delete'].includes(values['deletion-policy'])) throw new UsageError(`--deletion-policy is Retain or Delete, not ${values['deletion-policy']}`);
  return values;
}

/** Where the ProviderConfig comes from: the cluster (grants and policy checked) or the flags. */
interface Source {
  name: string;
  view: ProviderConfigView;
  resolver: Resolver;
  /** Whether the config's policy admits the spec in the namespace: undefined when it does. */
  refusal(kind: string, spec: unknown): string | undefined;
}

async function fromCluster(kc: KubeConfig, name: string, namespace: string, providers: ProviderRegistration[]): Promise<Source> {
  const sources = await readProviderConfig(kc, name);
  const view = sources.get(name);
  if (!view) throw new UsageError(`ProviderConfig ${name} does not exist (or is invalid) in the cluster`);
  const labels = await namespaceLabels(kc, namespace);
  const resolver = new Resolver(sources, sources, new Limits(), providers, { labels: (ns) => (ns === namespace ? labels : undefined) });
  const refusal = (kind: string, spec: unknown) => {
    try {
      resolver.admit(name, { namespace, kind, spec });
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  return { name, view, resolver, refusal };
}

const ENV_SECRET: Record<string, () => Record<string, string> | undefined> = {
  postgres: () => (process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : undefined),
  powerdns: () => (process.env.PDNS_API_KEY ? { apiKey: process.env.PDNS_API_KEY } : undefined),
};

function fromFlags(values: Options, providers: ProviderRegistration[]): Source {
  const type = values.type!;
  const name = values['provider-config'] ?? type;
  const settings = Object.fromEntries(values.setting.map((s) => s.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const data = ENV_SECRET[type]?.();
  const ref = { namespace: '(environment)', name: type };
  const view: ProviderConfigView = {
    name,
    type,
    region: values.region,
    endpoint: values.endpoint ?? (type === 'powerdns' ? process.env.PDNS_API_URL : undefined),
    settings,
    credentials: data ? { source: 'Secret', secretRef: ref } : { source: 'Environment' },
  };
  const sources = { get: (n: string) => (n === name ? view : undefined), secret: (ns: string, n: string) => (ns === ref.namespace && n === ref.name ? data : undefined) };
  return { name, view, resolver: new Resolver(sources, sources, new Limits(), providers), refusal: () => undefined };
}

/** The kinds the config's type can import, each with the connector that observes it. */
async function importersFor(source: Source, providers: ProviderRegistration[], values: Options): Promise<{ importer: KindImporter; connector: Connector<unknown> }[]> {
  const registration = providers.find((p) => p.type === source.view.type);
  if (!registration) throw new UsageError(`no loaded provider has type ${source.view.type} (load a plugin with --providers)`);
  const wanted = (kind: string) => !values.kind.length || values.kind.includes(kind);
  const out: { importer: KindImporter; connector: Connector<unknown> }[] = [];
  if (source.view.type === 'aws' && wanted('Bucket')) out.push({ importer: IMPORTERS.bucket, connector: registration.kinds.Bucket! });
  if (source.view.type === 'postgres' && wanted('Database')) out.push({ importer: IMPORTERS.database, connector: registration.kinds.Database! });
  if (values.zone.length && wanted('DNSRecord')) {
    // The built-in Route 53 connector loads lazily; its kit's listing comes with a connector made here.
    const dns = source.view.type === 'aws' ? (new (await import('../../providers/aws/index.ts')).RecordConnector() as Connector<unknown>) : registration.kinds.DNSRecord;
    if (!canListZones(dns)) throw new UsageError(`the ${source.view.type} provider cannot list a DNS zone (its DNSRecord connector is not on the SDK's DNS kit)`);
    out.push({ importer: dnsImporter(dns), connector: dns });
  }
  if (!out.length) throw new UsageError(`nothing to import from a ${source.view.type} ProviderConfig with these options (DNS needs --zone)`);
  return out;
}

export async function importCommand(argv: string[]): Promise<number> {
  const values = parseOptions(argv);
  const providers = await commandProviders('import', values.providers);
  if (!providers) return EXIT_PLUGIN_REFUSED;
  const kc = values.type ? undefined : await loadKubeConfig(values.kubeconfig);
  const namespace = values.namespace ?? kc?.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const source = kc ? await fromCluster(kc, values['provider-config']!, namespace, providers) : fromFlags(values, providers);
  const grant = source.refusal('Bucket', undefined);
  if (grant) throw new UsageError(grant);
  const run = new ImportRun(source, namespace, values);
  const pairs = await importersFor(source, providers, values);
  try {
    for (const { importer, connector } of pairs) await run.kind(importer, connector);
  } finally {
    for (const { connector } of pairs) await connector.close?.().catch(() => undefined);
    for (const p of providers) for (const c of Object.values(p.kinds)) await c?.close?.().catch(() => undefined);
  }
  run.write(values['output-dir']);
  return run.failed ? 1 : 0;
}

/** A manifest as written. */
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
}

/** Things observed at once: enough to hide latency, few enough to stay far below any API's limit. */
const CONCURRENCY = 8;

class ImportRun {
  readonly manifests: Manifest[] = [];
  failed = false;
  private readonly skipped = new Map<string, number>();
  private readonly source: Source;
  private readonly namespace: string;
  private readonly values: Options;

  constructor(source: Source, namespace: string, values: Options) {
    this.source = source;
    this.namespace = namespace;
    this.values = values;
  }

  async kind(importer: KindImporter, connector: Connector<unknown>): Promise<void> {
    const { connection } = await this.source.resolver.resolve(this.source.name, importer.kind);
    const found = await importer.list(connection, { zones: this.values.zone });
    const client = (await connector.connect(connection));
    const names = new NameBook();
    const results: (Manifest | undefined)[] = found.map(() => undefined);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < found.length; i = next++) results[i] = await this.one(importer, client, found[i]!);
    };
    try {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, found.length) }, worker));
    } finally {
      await client.disconnect().catch(() => undefined);
    }
    // Named in listing order once all are in, so the names do not depend on which observe finished first.
    found.forEach((f, i) => {
      const m = results[i];
      if (m) this.manifests.push({ ...m, metadata: { ...m.metadata, name: names.claim(f.nameParts, `${importer.kind}|${f.externalName}|${f.label}`) } });
    });
  }

  private async one(importer: KindImporter, client: ExternalClient<unknown>, found: Found): Promise<Manifest | undefined> {
    if (found.skip) return this.skip(importer, found, found.skip);
    const seed = {
      providerConfigRef: { name: this.source.name },
      managementPolicy: this.values.policy,
      deletionPolicy: this.values['deletion-policy'],
      adopt: true,
      ...found.seed,
    };
    const resource = (spec: unknown): ManagedResource<unknown> => ({
      kind: importer.kind,
      namespace: this.namespace,
      name: 'mooring-import',
      uid: 'mooring-import',
      generation: 1,
      spec,
      externalName: found.externalName,
      // Matches nobody's: observe reports whatever mark the thing carries as foreign.
      ownershipMark: 'mooring-import/-/-',
    });
    let derived;
    try {
      derived = await derive({ fields: found.fields ?? importer.fields, parse: importer.parse }, seed, (spec) => client.observe(resource(spec)));
    } catch (err) {
      this.failed = true;
      return this.skip(importer, found, `reading it failed: ${(err as Error).message}`);
    }
    if ('skipped' in derived) return this.skip(importer, found, derived.skipped);
    if (derived.mark !== undefined && !this.values['include-owned']) return this.skip(importer, found, `mooring owns it already (ownership mark ${derived.mark}); --include-owned imports it anyway`);
    importer.tidy?.(derived.spec);
    const parsed = importer.parse(derived.spec);
    const refusal = this.source.refusal(importer.kind, parsed.success ? parsed.data : derived.spec);
    if (refusal) return this.skip(importer, found, `ProviderConfig ${this.source.name} would refuse it: ${refusal}`);
    return { apiVersion: `${GROUP}/${VERSION}`, kind: importer.kind, metadata: { name: '', namespace: this.namespace }, spec: derived.spec };
  }

  private skip(importer: KindImporter, found: Found, why: string): undefined {
    console.error(`mooring import: skipped ${found.label}: ${why}`);
    this.skipped.set(importer.kind, (this.skipped.get(importer.kind) ?? 0) + 1);
    return undefined;
  }

  write(dir: string | undefined): void {
    const yaml = (m: Manifest) => dumpYaml(m, { lineWidth: -1, noRefs: true });
    if (dir) {
      mkdirSync(dir, { recursive: true });
      for (const m of this.manifests) writeFileSync(join(dir, `${m.kind.toLowerCase()}-${m.metadata.name}.yaml`), yaml(m));
    } else process.stdout.write(this.manifests.map(yaml).join('---\n'));
    this.summary();
  }

  private summary(): void {
    const counts = new Map<string, number>();
    for (const m of this.manifests) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    const kinds = new Set([...counts.keys(), ...this.skipped.keys()]);
    const line = [...kinds].map((k) => `${counts.get(k) ?? 0} ${k} (${this.skipped.get(k) ?? 0} skipped)`).join(', ');
    console.error(`mooring import: ${line || 'nothing found'}; managementPolicy ${this.values.policy}`);
    if (this.source.view.policy?.adoption !== 'Allowed') {
      console.error(`mooring import: ProviderConfig ${this.source.name} does not allow adoption (spec.policy.adoption): ObserveOnly and Plan work as they are; Full needs it Allowed`);
    }
    if (counts.has('Database')) {
      console.error('mooring import: a Database adopted under Full sets a new password on its login only with spec.resetPasswordOnAdopt: true; without it Full refuses (AdoptionNeedsPasswordReset) and changes nothing');
    }
  }
}
