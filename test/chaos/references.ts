// References between the chaos population's objects (docs/chaos.md#references): dependant
// DNSRecords (`rf<i>`) whose values or alias target come from another object's status (a
// Database's address, port or endpoint, a Bucket's domain name or ARN, another record's FQDN), a
// ConfigMap key or a Secret key; ConfigMap keys set, removed and deleted at random; cycles closed
// now and then. The model remembers what each dependant reads and since when, so the invariants
// (refinvariants.ts) know which deletions must be held and which dependants could not have written.
import { randomBytes } from 'node:crypto';
import type { ReferableKind } from '../../src/api/references.ts';
import { REFERENCEABLE } from '../../src/reconcile/references.ts';
import type { Rng } from './prng.ts';
import { retrying, type World } from './world.ts';

/** A dependant's record: a CNAME or TXT from `valuesFrom`, or an A alias from `alias.dnsNameFrom`. */
export type RefShape = 'cname' | 'txt' | 'alias';
export const REF_TYPES = { cname: 'CNAME', txt: 'TXT', alias: 'A' } as const;
const SHAPES: RefShape[] = ['cname', 'txt', 'alias'];

/** What a dependant reads: a status field of a slot's object, or a ConfigMap's or Secret's key. */
export interface RefTarget {
  kind: ReferableKind | 'ConfigMap' | 'Secret';
  name: string;
  /** The status field, or the key. */
  field: string;
}

/** The run's last delete of a slot: when, under which policy, whether the operator held it (finalizer) and whether its thing was in the cloud then. */
export interface Deletion {
  at: number;
  policy: 'Delete' | 'Retain';
  finalized: boolean;
  annotated: boolean;
  thing?: boolean | undefined;
}

/** What the model reads and keeps of a population slot (population.ts's Slot, which holds all of it). */
export interface RefSlot {
  kind: ReferableKind;
  name: string;
  decoy: boolean;
  live: boolean;
  busy: boolean;
  recordType?: 'A' | 'TXT' | 'CNAME';
  rds?: boolean;
  uid?: string | undefined;
  creates?: number;
  deletion?: Deletion | undefined;
  ref?: RefShape;
  reads?: RefTarget | undefined;
  readsSince?: number | undefined;
  resolvable?: boolean;
}

/** The ConfigMaps dependants read (the first made before the chaos, the second not), and their keys. */
export const REF_CONFIGMAPS = ['refs-cm0', 'refs-cm1'];
export const CM_KEYS = ['host', 'alt'];
export const REF_SECRET = { name: 'refs-secret', key: 'token' };
/** The first of each kind (`-b0`, `r0`, `…-0`, `rf0`) and the first ConfigMap: what dependants read half the time. */
const HUBS = /(^|-)(b|r|rf)?0$|^refs-cm0$/;

/** The dependant slots: DNSRecords `rf<i>`, the shapes in turn. */
export function refSlots(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const ref = SHAPES[i % SHAPES.length]!;
    return { kind: 'DNSRecord' as const, name: `rf${i}`, decoy: false, live: false, busy: false, recordType: REF_TYPES[ref], ref };
  });
}

/** The exported ConfigMap of the slot's n-th object: a name per object, as no garbage collector runs on the stack. */
export const exportName = (slot: RefSlot, n = slot.creates ?? 0) => `${slot.name}-info${n}`;

export const sameTarget = (a: RefTarget | undefined, b: RefTarget | undefined) => Boolean(a && b && a.kind === b.kind && a.name === b.name && a.field === b.field);
const names = (t: RefTarget | undefined, slot: RefSlot) => Boolean(t && t.kind === slot.kind && t.name === slot.name);

/** The source a spec's reference names (`valuesFrom[0]` or `alias.dnsNameFrom`), in the model's terms. */
export function targetOfSpec(spec: Record<string, unknown> | undefined): RefTarget | undefined {
  const source = ((spec?.valuesFrom as unknown[] | undefined)?.[0] ?? (spec?.alias as { dnsNameFrom?: unknown } | undefined)?.dnsNameFrom) as
    | { resourceFieldRef?: { kind: ReferableKind; name: string; field: string }; configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } }
    | undefined;
  if (source?.resourceFieldRef) return { ...source.resourceFieldRef };
  if (source?.configMapKeyRef) return { kind: 'ConfigMap', name: source.configMapKeyRef.name, field: source.configMapKeyRef.key };
  if (source?.secretKeyRef) return { kind: 'Secret', name: source.secretKeyRef.name, field: source.secretKeyRef.key };
  return undefined;
}

function sourceOf(t: RefTarget): Record<string, unknown> {
  if (t.kind === 'ConfigMap') return { configMapKeyRef: { name: t.name, key: t.field } };
  if (t.kind === 'Secret') return { secretKeyRef: { name: t.name, key: t.field } };
  return { resourceFieldRef: { kind: t.kind, name: t.name, field: t.field } };
}

/**
 * What a dependant of this shape may read: a CNAME only domain names (a Bucket's regional domain
 * name, an RDS address, a record's FQDN, a ConfigMap's host), an alias only an A record's FQDN or a
 * ConfigMap's host, a TXT anything, a Secret's key too. Decoys and attacks are never read.
 */
export function sourceChoices(slot: RefSlot, slots: RefSlot[]): RefTarget[] {
  const out: RefTarget[] = [];
  const field = (s: RefSlot, fields: string[]) => fields.forEach((f) => out.push({ kind: s.kind, name: s.name, field: f }));
  for (const s of slots) {
    if (s.decoy || s === slot) continue;
    if (s.kind === 'DNSRecord') {
      if (slot.ref !== 'alias' || s.recordType === 'A') field(s, ['fqdn']);
    } else if (slot.ref === 'alias') {
      continue;
    } else if (s.kind === 'Bucket') {
      field(s, slot.ref === 'cname' ? ['regionalDomainName'] : ['name', 'region', 'arn', 'regionalDomainName']);
    } else if (s.rds) {
      field(s, slot.ref === 'cname' ? ['address'] : ['address', 'port', 'endpoint']);
    } else if (slot.ref === 'txt') {
      field(s, ['address', 'port', 'endpoint', 'database']);
    }
  }
  for (const name of REF_CONFIGMAPS) for (const key of CM_KEYS) out.push({ kind: 'ConfigMap', name, field: key });
  if (slot.ref === 'txt') out.push({ kind: 'Secret', name: REF_SECRET.name, field: REF_SECRET.key });
  return out;
}

/** The model of what dependants read, and the ConfigMap keys the run ever set. */
export class RefModel {
  /** `name/key` of every ConfigMap key the run set at some moment. */
  private readonly cmEver = new Set<string>();
  private readonly cmBusy = new Set<string>();
  /** Deletes judged as ones that must be held (`Kind/name@ms`), for the report. */
  readonly holdsJudged = new Set<string>();
  /** The Secret's value: in the cloud (a TXT record), never in a status, Event or log. */
  readonly secretValue = randomBytes(18).toString('base64url');
  private readonly w: World;
  private readonly slots: () => RefSlot[];

  constructor(w: World, slots: () => RefSlot[]) {
    this.w = w;
    this.slots = slots;
  }

  /** The referenced Secret, and the first ConfigMap with both keys. */
  async setup(): Promise<void> {
    this.w.secrets.add(this.secretValue);
    // Labelled as its owner must, for references to read it (docs/references.md).
    const metadata = { name: REF_SECRET.name, labels: { [REFERENCEABLE]: 'true' } };
    await retrying(() => this.w.core.createNamespacedSecret({ namespace: this.w.namespace, body: { metadata, stringData: { [REF_SECRET.key]: this.secretValue } } }));
    for (const key of CM_KEYS) this.cmEver.add(`${REF_CONFIGMAPS[0]}/${key}`);
    await retrying(() => this.w.core.createNamespacedConfigMap({ namespace: this.w.namespace, body: { metadata: { name: REF_CONFIGMAPS[0]! }, data: { host: 'svc0.example.test', alt: 'alt0.example.test' } } }));
  }

  /**
   * A dependant's spec: a random source fit for its shape, half the time one of the hubs (so
   * referenced objects are deleted while read), or (now and then, when one exists) the FQDN of a
   * dependant reading this one's: a cycle. Always the same seven draws.
   */
  spec(rng: Rng, slot: RefSlot): Record<string, unknown> {
    const [pick, cycleRoll, ttlRoll, exportRoll, policyRoll, closeRoll, hubRoll] = [rng.next(), rng.next(), rng.next(), rng.next(), rng.next(), rng.next(), rng.next()];
    const closing = this.slots().filter((s) => s.ref && s.live && names(s.reads, slot) && (slot.ref !== 'alias' || s.recordType === 'A'));
    const all = sourceChoices(slot, this.slots());
    const hubs = all.filter((t) => HUBS.test(t.name));
    const choices = hubRoll < 0.5 && hubs.length ? hubs : all;
    const target = cycleRoll < 0.3 && closing.length ? { kind: 'DNSRecord' as const, name: closing[Math.floor(closeRoll * closing.length)]!.name, field: 'fqdn' } : choices[Math.floor(pick * choices.length)]!;
    const w = this.w;
    const base = {
      providerConfigRef: { name: w.awsPc }, deletionPolicy: policyRoll < 0.15 ? 'Retain' : 'Delete', zone: { name: w.zoneName.replace(/\.$/, '') }, name: slot.name, type: REF_TYPES[slot.ref!],
      ...(exportRoll < 0.4 ? { exportTo: { name: exportName(slot) } } : {}),
    };
    if (slot.ref === 'alias') return { ...base, alias: { dnsNameFrom: sourceOf(target), hostedZoneId: w.zoneId } };
    return { ...base, ttl: ttlRoll < 0.5 ? 60 : 300, valuesFrom: [sourceOf(target)] };
  }

  /** A spec about to be sent for a dependant: it reads nothing the model vouches for until the apiserver took it. */
  sending(slot: RefSlot, fresh: boolean): void {
    slot.reads = undefined;
    slot.readsSince = undefined;
    if (fresh) slot.resolvable = false;
  }

  /** The apiserver took a dependant's spec. */
  acked(slot: RefSlot, spec: Record<string, unknown>): void {
    slot.reads = targetOfSpec(spec);
    slot.readsSince = Date.now();
    if (slot.reads && this.couldResolve(slot.reads)) slot.resolvable = true;
  }

  /** An action starts on a slot (it may make its status known): each dependant reading it could resolve. */
  touched(slot: RefSlot): void {
    for (const d of this.slots()) if (d.ref && names(d.reads, slot)) d.resolvable = true;
  }

  /** Whether the target's value may have been known at some moment. */
  private couldResolve(t: RefTarget): boolean {
    if (t.kind === 'Secret') return true;
    if (t.kind === 'ConfigMap') return this.cmEver.has(`${t.name}/${t.field}`);
    const s = this.slots().find((x) => x.kind === t.kind && x.name === t.name);
    return Boolean(s && (s.uid !== undefined || s.busy));
  }

  /** The live dependants reading the slot: those since `before` (ms) if given. */
  readers(slot: RefSlot, before?: number): RefSlot[] {
    return this.slots().filter((d) => d.ref && d.live && names(d.reads, slot) && (before === undefined || (d.readsSince ?? Infinity) <= before));
  }

  /** A slot deleted without the annotation under Delete, with a live dependant: its object stays (InUse). */
  held(slot: RefSlot): boolean {
    const d = slot.deletion;
    return Boolean(!slot.live && d && d.policy === 'Delete' && !d.annotated && this.readers(slot).length);
  }

  /** A ConfigMap action: a key set to a new value, a key removed, or the ConfigMap deleted. Undefined when that one is busy. */
  configMapWork(which: number, roll: number, count: (what: string) => void): (() => Promise<void>) | undefined {
    const name = REF_CONFIGMAPS[Math.floor(which * REF_CONFIGMAPS.length)]!;
    if (this.cmBusy.has(name)) return undefined;
    const key = CM_KEYS[Math.floor(roll * 1000) % CM_KEYS.length]!;
    const what = roll < 0.7 ? 'set' : roll < 0.85 ? 'unset' : 'delete';
    const value = `${key}${Math.floor(roll * 1000)}.example.test`;
    this.cmBusy.add(name);
    count(`configMap:${what}`);
    if (what === 'set') {
      this.cmEver.add(`${name}/${key}`);
      for (const d of this.slots()) if (d.ref && d.reads?.kind === 'ConfigMap' && d.reads.name === name && d.reads.field === key) d.resolvable = true;
    }
    return async () => {
      try {
        await this.changeConfigMap(name, what, key, value);
      } finally {
        this.cmBusy.delete(name);
      }
    };
  }

  private async changeConfigMap(name: string, what: 'set' | 'unset' | 'delete', key: string, value: string): Promise<void> {
    const { core, namespace } = this.w;
    const notFound = (err: unknown) => {
      if ((err as { code?: number }).code !== 404) throw err;
      return undefined;
    };
    if (what === 'delete') return void (await retrying(() => core.deleteNamespacedConfigMap({ namespace, name }).catch(notFound)));
    const now = await retrying(() => core.readNamespacedConfigMap({ namespace, name }).catch(notFound));
    const data = { ...(now?.data ?? {}) };
    if (what === 'set') data[key] = value;
    else delete data[key];
    if (!now) {
      // A create retried after a cut connection may have landed the first time.
      if (what === 'set') await retrying(() => core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data } })).catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });
      return;
    }
    await retrying(() => core.replaceNamespacedConfigMap({ namespace, name, body: { metadata: { name, resourceVersion: now.metadata?.resourceVersion }, data } }));
  }
}
