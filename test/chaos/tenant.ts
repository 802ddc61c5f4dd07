// Another tenant beside the run: its objects, made by a mooring of its own before the chaos starts
// (so its assets carry its marks), and what the run must never do to them. The run's operator
// watches only the run's namespace: from then on nothing may change those assets, and nothing may
// go through the other tenant's configs at all.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import { GROUP, VERSION } from '../../src/api/common.ts';
import { FINALIZER, type ManagedObject } from '../../src/reconcile/types.ts';
import { condition, eventually } from '../support/kube.ts';
import { ADOPTION_FORBIDDEN_DECOY, snapshotDecoy } from './decoys.ts';
import { OperatorProcess } from './operator.ts';
import { bucketSnapshot, bucketTags, pgDatabaseSnapshot, pgRoleSnapshot, recordSets, recordSnapshot } from './oracle.ts';
import { otherTenantAssets, PLURAL } from './population.ts';
import { retrying, stackFile, type World } from './world.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The other tenant's bucket (with an object in it), A record and PostgreSQL database and login,
 * made by a `mooring run` watching its namespace alone, stopped once they are Ready. Then the
 * counting pass-throughs start from zero: the run's operator must never use those configs.
 */
export async function createOtherTenantAssets(w: World): Promise<void> {
  const o = w.other;
  const a = otherTenantAssets(w);
  const made = [
    { plural: 'buckets' as const, name: a.bucket, spec: { providerConfigRef: { name: o.awsPc }, versioning: true, tags: { team: 'other' } } },
    { plural: 'dnsrecords' as const, name: 'o0', spec: { providerConfigRef: { name: o.awsPc }, zone: { name: w.zoneName.replace(/\.$/, '') }, name: a.record, type: 'A', ttl: 300, values: ['198.51.100.7'] } },
    { plural: 'databases' as const, name: a.database.replace(/_/g, '-'), spec: { providerConfigRef: { name: o.pgPc }, postgres: { connectionLimit: 4 } } },
  ];
  for (const m of made) await w.kinds[m.plural].create(o.namespace, m.name, m.spec);
  const operator = new OperatorProcess({ kubeconfig: w.info.kube!.kubeconfig, namespace: o.namespace, logFile: stackFile(w.info, `operator-other-${w.runId}.log`) });
  operator.start();
  try {
    for (const m of made) {
      await eventually(async () => condition(await w.kinds[m.plural].tryGet(o.namespace, m.name), 'Ready')?.status === 'True', `the other tenant's ${m.plural}/${m.name} Ready`, 120_000,
        async () => JSON.stringify((await w.kinds[m.plural].tryGet(o.namespace, m.name))?.status));
    }
  } finally {
    await operator.stop();
  }
  await w.s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'theirs.txt', Body: "the other tenant's data" }));
  // The AlreadyOwned attacks mean something only if the assets carry the other tenant's marks.
  const mark = (await bucketTags(w, a.bucket))?.[OWNERSHIP_TAG];
  // (A prefix: marks may go on with the object's uid.)
  if (!mark?.startsWith(`${w.ownershipId}/${o.namespace}/${a.bucket}`)) throw new Error(`the other tenant's bucket ${a.bucket} carries the mark ${mark}, not its own`);
  const secret = await retrying(() => w.core.readNamespacedSecret({ namespace: o.namespace, name: `${made[2]!.name}-connection` }));
  w.secrets.add(Buffer.from(secret.data!.password!, 'base64').toString('utf8'));
  o.awsProxy.resetCount();
  o.pgProxy.resetCount();
}

/**
 * Everything outside the run's grant, one string per thing, to compare byte for byte: the other
 * tenant's assets (tags and mark, versioning, objects; the record set and its ownership record;
 * the database and the login with every attribute and its password verifier) and decoy 2, which
 * the run reaches only through its config forbidding adoption.
 */
export async function snapshotOutsideGrant(w: World): Promise<Record<string, string>> {
  const a = otherTenantAssets(w);
  const sets = await recordSets(w);
  const fqdn = `${a.record}.${w.zoneName}`;
  const out: Record<string, string> = {
    [`the other tenant's bucket ${a.bucket}`]: await bucketSnapshot(w, a.bucket),
    [`the other tenant's record ${fqdn}`]: recordSnapshot(sets, fqdn),
    [`the other tenant's database ${a.database}`]: await pgDatabaseSnapshot(w, a.database),
    [`the other tenant's role ${a.database}`]: await pgRoleSnapshot(w, a.database),
  };
  for (const [k, v] of Object.entries(await snapshotDecoy(w, ADOPTION_FORBIDDEN_DECOY, sets))) out[`decoy (adoption forbidden) ${k}`] = v;
  return out;
}

/** The ProviderConfigs the run's namespace was not granted. */
export const notGrantedConfigs = (w: World): ReadonlySet<string> => new Set([w.other.awsPc, w.other.pgPc]);

/** An object of the run's namespace naming a config it was not granted, and holding our finalizer. */
export function finalizedWithoutGrant(o: ManagedObject, notGranted: ReadonlySet<string>): string | undefined {
  const pc = (o.spec as { providerConfigRef?: { name?: string } } | undefined)?.providerConfigRef?.name;
  if (pc === undefined || !notGranted.has(pc) || !o.metadata.finalizers?.includes(FINALIZER)) return undefined;
  return `${o.kind}/${o.metadata.name} names ProviderConfig ${pc}, not granted to its namespace, and got the finalizer`;
}

/**
 * Watches every managed object of the run's namespace (on the apiserver directly) for the whole
 * run: an object naming a config it was not granted must never hold the finalizer, not even for
 * a moment between two checks. The watch is listed and opened again whenever it ends (an
 * apiserver restart); a finalizer put on and taken off inside such a gap would go unseen.
 */
export class GrantWatch {
  readonly violations = new Set<string>();
  private readonly w: World;
  private readonly notGranted: ReadonlySet<string>;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly open = new Set<{ abort: () => void }>();

  constructor(w: World) {
    this.w = w;
    this.notGranted = notGrantedConfigs(w);
  }

  start(): void {
    for (const plural of Object.values(PLURAL)) this.loops.push(this.loop(plural));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const o of this.open) o.abort();
    await Promise.all(this.loops);
  }

  private see(o: ManagedObject): void {
    const found = finalizedWithoutGrant(o, this.notGranted);
    if (found) this.violations.add(found);
  }

  private async loop(plural: string): Promise<void> {
    const api = this.w.kc.makeApiClient(CustomObjectsApi);
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${this.w.namespace}/${plural}`;
    while (!this.stopped) {
      try {
        const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.w.namespace, plural })) as { items: ManagedObject[]; metadata: { resourceVersion: string } };
        list.items.forEach((o) => this.see(o));
        await this.watch(path, list.metadata.resourceVersion);
      } catch {
        // The apiserver away (a restart): list again.
      }
      if (!this.stopped) await sleep(500);
    }
  }

  /** One watch from `resourceVersion`, until it ends (or stop()). */
  private async watch(path: string, resourceVersion: string): Promise<void> {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const handle = { abort: end };
    this.open.add(handle);
    try {
      const controller = await new Watch(this.w.kc).watch(path, { resourceVersion, allowWatchBookmarks: true }, (type, o: ManagedObject) => {
        if (type !== 'BOOKMARK' && type !== 'ERROR') this.see(o);
      }, () => end());
      handle.abort = () => {
        controller.abort();
        end();
      };
      if (this.stopped) handle.abort();
      await ended;
    } finally {
      this.open.delete(handle);
    }
  }
}
