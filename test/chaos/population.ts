// The chaos population: a fixed set of slots (a kind and a name each), which random actions
// create, change, delete, re-create under the same name, adopt, and meddle with out of band.
// The model remembers what the run asked for, so the invariants know what must hold at the end.
// Some slots are attacks that must always be refused (see Attack).
import { CreateBucketCommand, DeleteBucketCommand, DeleteBucketTaggingCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ChangeResourceRecordSetsCommand, type Change } from '@aws-sdk/client-route-53';
import { CreateDBInstanceCommand, DeleteDBInstanceCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import pg from 'pg';
import { OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import { FINALIZER, type ManagedObject } from '../../src/reconcile/types.ts';
import { byWeight, type Rng } from './prng.ts';
import { bucketExists, pgDatabases, rdsInstances, recordSets } from './oracle.ts';
import { retrying, type World } from './world.ts';
import { ADOPT_WITH_CHANGES } from '../../src/reconcile/adoption.ts';
import { DELETE_WHILE_REFERENCED } from '../../src/reconcile/references.ts';
import { exportName, RefModel, refSlots, type Deletion, type RefShape, type RefTarget } from './references.ts';

/** A spec the run sent for an object: its result (resourceVersion, generation) when the call answered. */
export interface SpecSent {
  uid: string | undefined;
  spec: Record<string, unknown>;
  /** Unknown when the call failed (it may have landed all the same): then always a candidate. */
  resourceVersion?: string | undefined;
  generation?: number | undefined;
}

/** A change the run made to the thing behind the operator's back (or a hand-made thing), in ms. */
export interface Meddling {
  start: number;
  end: number;
}

export interface SlotHistory {
  specs: SpecSent[];
  meddled: Meddling[];
}

export type KindName = 'Bucket' | 'DNSRecord' | 'Database';
export const PLURAL = { Bucket: 'buckets', DNSRecord: 'dnsrecords', Database: 'databases' } as const;

/**
 * What a refused slot tries, and must never get:
 * - unowned: the name of an unowned decoy, no adopt (NotOwned);
 * - notGranted: the other tenant's ProviderConfig (NotGranted: no finalizer, no call through it);
 * - alreadyOwned: through the run's own config, the external name (or login) of an asset the
 *   other tenant's objects made and marked, with adopt and a password reset asked (AlreadyOwned);
 * - adoptForbidden: `adopt: true` on an unmarked decoy through the run's config whose policy
 *   forbids adoption (AdoptionNotGranted).
 */
export type Attack = 'unowned' | 'notGranted' | 'alreadyOwned' | 'adoptForbidden';

/** The Degraded reasons each attack may end with. */
export const REFUSALS: Record<Attack, string[]> = {
  // A decoy with a comment of its own (the database) reads as someone else's mark: AlreadyOwned.
  unowned: ['NotOwned', 'AlreadyOwned'],
  notGranted: ['NotGranted'],
  alreadyOwned: ['AlreadyOwned'],
  adoptForbidden: ['AdoptionNotGranted'],
};

export interface Slot {
  kind: KindName;
  /** metadata.name. */
  name: string;
  /** An attack (below): the resource must be refused, never touch what it names. */
  decoy: boolean;
  attack?: Attack;
  /** Spec fields the attack always sets (externalName, username, the record's name). */
  target?: Record<string, unknown>;
  recordType?: 'A' | 'TXT' | 'CNAME';
  /** A Database on RDS (through the aws ProviderConfig) rather than on PostgreSQL. */
  rds?: boolean;
  /** A DNSRecord through the config straight at the emulator, as the sandbox sets it up (World.directAwsPc). */
  direct?: boolean;
  /**
   * Something of this name was made by hand once (adopt). A resource deleted under Retain before
   * the operator got to mark it leaves it unmarked, so every later create adopts too.
   */
  handMade?: boolean;
  /**
   * Its object was deleted under Retain: the asset keeps that object's mark (with its uid), so a
   * new object of the name would be AlreadyOwned by design; the name is not used again.
   */
  retired?: boolean;
  /** The run asked for an object here and has not deleted it since. */
  live: boolean;
  /** The deletionPolicy of the run's last delete of it, until its object is seen gone. */
  deletedWith?: 'Delete' | 'Retain' | undefined;
  spec?: Record<string, unknown>;
  /** The uid of the slot's latest object: part of its ownership mark. */
  uid?: string | undefined;
  busy: boolean;
  /** Objects created for the slot so far (each exports to a ConfigMap of its own). */
  creates?: number;
  /** When the slot's latest object was created (ms). */
  createdAt?: number;
  /** The latest object carries mooring.dev/delete-while-referenced. */
  annotated?: boolean;
  /**
   * The run's last delete of the slot: when, under which policy, whether the operator held it
   * (finalizer) and whether its thing was in the cloud then (looked at only while a dependant read it).
   */
  deletion?: Deletion | undefined;
  /** A dependant (references.ts): a DNSRecord whose value comes from elsewhere, of this shape. */
  ref?: RefShape;
  /** What the dependant's spec reads, once the apiserver took it, and since when (ms). */
  reads?: RefTarget | undefined;
  readsSince?: number | undefined;
  /** The dependant's value may have been known at some moment of its object's life (else it never wrote). */
  resolvable?: boolean;
}

export interface PopulationSize {
  buckets: number;
  records: number;
  databases: number;
  /** Databases on RDS (the emulator's), beside those on PostgreSQL. */
  rds: number;
  /** DNSRecords through the config straight at the emulator (default none). */
  directRecords?: number;
  /** Dependant DNSRecords, their values or alias target referenced from elsewhere (default none). */
  refRecords?: number;
}

export const ACTIONS = ['create', 'adopt', 'change', 'policy', 'delete', 'recreate', 'outOfBand', 'deleteTarget'] as const;
export type Action = (typeof ACTIONS)[number];

const ident = (s: string) => pg.escapeIdentifier(s);

/** Names derive from the run id only, so the same seed makes the same choices in any run. */
export function makeSlots(w: World, size: PopulationSize): Slot[] {
  const slot = (kind: KindName, name: string, decoy = false, recordType?: 'A' | 'TXT', rds = false): Slot => ({ kind, name, decoy, live: false, busy: false, ...(recordType ? { recordType } : {}), ...(rds ? { rds } : {}) });
  const slots: Slot[] = [];
  for (let i = 0; i < size.buckets; i++) slots.push(slot('Bucket', `${w.namespace}-b${i}`));
  for (let i = 0; i < size.records; i++) slots.push(slot('DNSRecord', `r${i}`, false, i % 2 ? 'TXT' : 'A'));
  for (let i = 0; i < (size.directRecords ?? 0); i++) slots.push({ ...slot('DNSRecord', `rd${i}`, false, i % 2 ? 'TXT' : 'A'), direct: true });
  for (let i = 0; i < size.databases; i++) slots.push(slot('Database', `d${w.runId}-${i}`));
  for (let i = 0; i < size.rds; i++) slots.push(slot('Database', `rds${w.runId}-${i}`, false, undefined, true));
  slots.push(...refSlots(size.refRecords ?? 0));
  // One resource per backend named like an unowned decoy (see decoys.ts).
  slots.push(slot('Bucket', decoyNames(w).bucket, true), slot('DNSRecord', decoyNames(w).record, true, 'A'), slot('Database', decoyNames(w).database.replace(/_/g, '-'), true));
  for (const s of slots) if (s.decoy) s.attack = 'unowned';
  slots.push(...attackSlots(w));
  return slots;
}

/** The slots attacking what lies outside the run's grant: the other tenant's, and decoy 2. */
function attackSlots(w: World): Slot[] {
  const theirs = otherTenantAssets(w);
  const forbidden = decoyNames(w, 2);
  const attack = (kind: KindName, name: string, a: Attack, target: Record<string, unknown> = {}): Slot => ({
    kind, name, decoy: true, attack: a, target, live: false, busy: false, ...(kind === 'DNSRecord' ? { recordType: 'A' as const } : {}),
  });
  return [
    attack('Bucket', `${w.namespace}-ng`, 'notGranted'),
    attack('DNSRecord', 'ng', 'notGranted', { name: 'ng' }),
    attack('Database', `ng${w.runId}`, 'notGranted'),
    attack('Bucket', `${w.namespace}-ao`, 'alreadyOwned', { externalName: theirs.bucket }),
    attack('DNSRecord', 'ao', 'alreadyOwned', { name: theirs.record }),
    attack('Database', `ao${w.runId}-db`, 'alreadyOwned', { externalName: theirs.database }),
    // A database of a fresh name, whose login would be the other tenant's role (a password reset).
    attack('Database', `ao${w.runId}-role`, 'alreadyOwned', { username: theirs.database }),
    attack('Bucket', `${w.namespace}-af`, 'adoptForbidden', { externalName: forbidden.bucket }),
    attack('DNSRecord', 'af', 'adoptForbidden', { name: forbidden.record }),
    attack('Database', `af${w.runId}`, 'adoptForbidden', { externalName: forbidden.database }),
  ];
}

/** What the other tenant's objects make before the run (tenant.ts): the bucket, the record's name, the database and its login. */
export function otherTenantAssets(w: World) {
  return { bucket: `${w.other.namespace}-b0`, record: 'other0', database: `o${w.runId}_0` };
}

/** The decoys a resource collides with (index 0); index 1 of each is never claimed by anything; index 2 only through a config forbidding adoption. */
export function decoyNames(w: World, i = 0) {
  return { bucket: `${w.namespace}-decoy${i}`, record: `decoy${i}`, database: `d${w.runId}_decoy${i}` };
}

/** The ownership mark of the slot's latest object (Readable: id/namespace/name/uid). */
export const markOf = (w: World, slot: Slot) => `${w.ownershipId}/${w.namespace}/${slot.name}/${slot.uid ?? 'none'}`;
export const dbName = (slot: Slot) => slot.name.replace(/[-.]/g, '_');
export const fqdnOf = (w: World, slot: Slot) => `${slot.name}.${w.zoneName}`;

export const RDS_CLASSES = ['db.t3.micro', 'db.t3.small'];

export function randomSpec(w: World, rng: Rng, slot: Slot): Record<string, unknown> {
  return aimed(w, slot, baseSpec(w, rng, slot));
}

/** An attack's spec: its config, its target, and adoption with a password reset asked (the most it could take). */
function aimed(w: World, slot: Slot, spec: Record<string, unknown>): Record<string, unknown> {
  if (!slot.attack || slot.attack === 'unowned') return spec;
  const database = slot.kind === 'Database';
  const config = { notGranted: database ? w.other.pgPc : w.other.awsPc, adoptForbidden: database ? w.strictPgPc : w.strictAwsPc, alreadyOwned: undefined }[slot.attack];
  return { ...spec, ...(config ? { providerConfigRef: { name: config } } : {}), adopt: true, ...(database ? { resetPasswordOnAdopt: true } : {}), ...slot.target };
}

function baseSpec(w: World, rng: Rng, slot: Slot): Record<string, unknown> {
  const deletionPolicy = rng.chance(0.3) ? 'Retain' : 'Delete';
  // The status fields others may reference, exported into a ConfigMap (never for a refused slot).
  const exportTo = rng.chance(0.4) && !slot.decoy ? { exportTo: { name: exportName(slot) } } : {};
  return { ...kindSpec(w, rng, slot), deletionPolicy, ...exportTo };
}

function kindSpec(w: World, rng: Rng, slot: Slot): Record<string, unknown> {
  if (slot.kind === 'Bucket') {
    // emptyOnDelete: an object put in by hand would otherwise hold the delete up (BucketNotEmpty), by design.
    return { providerConfigRef: { name: w.awsPc }, versioning: rng.chance(0.4), emptyOnDelete: true, tags: { team: rng.pick(['a', 'b', 'c']), rev: String(rng.int(1, 99)) } };
  }
  if (slot.kind === 'DNSRecord') {
    const n = rng.int(1, 2);
    const values = slot.recordType === 'A' ? Array.from({ length: n }, (_, i) => `192.0.2.${rng.int(1, 100) + i * 100}`) : [`chaos ${rng.int(1, 999)}`];
    const config = slot.direct ? w.directAwsPc : w.awsPc;
    return { providerConfigRef: { name: config }, zone: { name: w.zoneName.replace(/\.$/, '') }, name: slot.name, type: slot.recordType, ttl: rng.pick([60, 300]), values };
  }
  if (slot.rds) {
    const rds = { engine: 'postgres', instanceClass: rng.pick(RDS_CLASSES), backupRetentionDays: rng.int(1, 7), skipFinalSnapshot: rng.chance(0.5), tags: { team: rng.pick(['a', 'b']) } };
    return { providerConfigRef: { name: w.awsPc }, rds };
  }
  const extensions = ['citext', 'pgcrypto'].filter(() => rng.chance(0.4));
  return { providerConfigRef: { name: w.pgPc }, postgres: { connectionLimit: rng.int(2, 10), extensions, terminateConnectionsOnDelete: true } };
}

/** Which actions make sense for the slot now, with their weights. */
export function actionWeights(slot: Slot): Partial<Record<Action, number>> {
  // An adoption through the config forbidding it: the unmarked decoy is there already.
  if (!slot.live && slot.attack === 'adoptForbidden') return { adopt: 3 };
  if (!slot.live) return slot.decoy || slot.ref ? { create: 3 } : { create: 3, adopt: 1 };
  if (slot.decoy) return { delete: 1, change: 1 };
  // A dependant's record is the operator's to follow: no hand-made thing, no meddling.
  // deleteTarget: the object it reads deleted under it (held, InUse, unless annotated or Retain).
  if (slot.ref) return { change: 3, policy: 1, delete: 2, recreate: 1, deleteTarget: 2 };
  return { change: 3, policy: 1, delete: 2, recreate: 1, outOfBand: 3 };
}

export class Population {
  readonly slots: Slot[];
  private readonly picks: Slot[];
  /** Marks of resources deleted under deletionPolicy Retain: their things may stay. */
  readonly retained = new Set<string>();
  readonly counts: Record<string, number> = {};
  /** Per slot (`kind/name`): every spec sent and every meddling, for the claim invariant (claims.ts). */
  readonly history = new Map<string, SlotHistory>();
  /** What the dependants read, and the referenced ConfigMaps (references.ts). */
  readonly refs: RefModel;
  private readonly w: World;
  private readonly rng: Rng;
  private readonly log: (line: string) => void;

  private readonly trace: (line: string) => void;
  /** Told when an object the run deleted is seen gone (its finalizer released), with the policy it went under. */
  onReleased: (slot: Slot, policy: 'Delete' | 'Retain') => Promise<void> = async () => {};

  constructor(w: World, rng: Rng, size: PopulationSize, log: (line: string) => void, trace: (line: string) => void = () => {}) {
    this.w = w;
    this.rng = rng;
    this.log = log;
    this.trace = trace;
    this.slots = makeSlots(w, size);
    this.refs = new RefModel(w, () => this.slots);
    // The direct records are few and what issue 16 found broken, the dependants few and what issue
    // 19 built: each drawn three times as often.
    this.picks = this.slots.flatMap((s) => (s.direct || s.ref ? [s, s, s] : [s]));
  }

  private api(slot: Slot) {
    return this.w.kinds[PLURAL[slot.kind]];
  }

  private historyOf(slot: Slot): SlotHistory {
    const key = `${slot.kind}/${slot.name}`;
    let h = this.history.get(key);
    if (!h) this.history.set(key, (h = { specs: [], meddled: [] }));
    return h;
  }

  /** Runs a change behind the operator's back, recording when it went on. */
  private async meddle(slot: Slot, fn: () => Promise<void>): Promise<void> {
    const m = { start: Date.now(), end: Number.POSITIVE_INFINITY };
    this.historyOf(slot).meddled.push(m);
    try {
      await fn();
    } finally {
      m.end = Date.now();
    }
  }

  /**
   * Picks a free slot and an action for it (decided now, from the seed), and returns the work;
   * undefined when every slot is busy.
   */
  next(): { action: string; run: () => Promise<void> } | undefined {
    // The same draws every time, whatever the slots' state: timing (a slot still busy) then
    // changes only this step's outcome, never which numbers later steps get.
    const slot = this.rng.pick(this.picks);
    const roll = this.rng.next();
    const spec = slot.ref ? this.refs.spec(this.rng, slot) : randomSpec(this.w, this.rng, slot);
    const oob = this.rng.next();
    const [cmRoll, cmWhich, cmWhat] = [this.rng.next(), this.rng.next(), this.rng.next()];
    // Now and then (with dependants in the population) a referenced ConfigMap changes instead.
    if (cmRoll < 0.12 && this.slots.some((s) => s.ref)) {
      const run = this.refs.configMapWork(cmWhich, cmWhat, (what) => (this.counts[what] = (this.counts[what] ?? 0) + 1));
      return run && { action: 'configMap', run: () => run().catch((err: Error) => this.log(`ConfigMap action failed: ${err.message}`)) };
    }
    if (slot.busy || slot.retired) return undefined;
    const action = byWeight(roll, actionWeights(slot) as Record<Action, number>);
    slot.busy = true;
    this.counts[action] = (this.counts[action] ?? 0) + 1;
    const run = async () => {
      try {
        this.trace(`${action} ${slot.kind}/${slot.name} ${JSON.stringify(spec)}`);
        if (action !== 'delete') this.refs.touched(slot);
        await this.perform(slot, action, spec, oob);
        this.trace(`done ${action} ${slot.kind}/${slot.name}`);
      } catch (err) {
        this.log(`action ${action} on ${slot.kind}/${slot.name} failed: ${(err as Error).message}`);
      } finally {
        slot.busy = false;
      }
    };
    return { action, run };
  }

  private async perform(slot: Slot, action: Action, spec: Record<string, unknown>, oob: number): Promise<void> {
    switch (action) {
      case 'create':
        return this.create(slot, spec, oob < 0.4);
      case 'adopt':
        if (!slot.decoy) await this.meddle(slot, () => this.makeOutOfBand(slot));
        return this.create(slot, spec, oob < 0.4);
      case 'change':
        return this.patch(slot, this.changed(slot, spec));
      case 'policy':
        return this.patch(slot, { ...slot.spec, deletionPolicy: slot.spec?.deletionPolicy === 'Retain' ? 'Delete' : 'Retain' });
      case 'delete':
        return this.delete(slot);
      case 'recreate':
        await this.delete(slot);
        return this.create(slot, spec, oob < 0.4);
      case 'outOfBand':
        return this.meddle(slot, () => this.outOfBand(slot, oob));
      case 'deleteTarget':
        return this.deleteTarget(slot);
    }
  }

  /** Deletes the object a dependant reads, if it is the run's, live and free. */
  private async deleteTarget(dependant: Slot): Promise<void> {
    const t = dependant.reads;
    const target = this.slots.find((s) => t && s.kind === t.kind && s.name === t.name);
    if (!target || !target.live || target.busy || target.retired) {
      this.counts['deleteTarget:skipped'] = (this.counts['deleteTarget:skipped'] ?? 0) + 1;
      return;
    }
    target.busy = true;
    try {
      this.trace(`delete ${target.kind}/${target.name} (read by ${dependant.kind}/${dependant.name})`);
      await this.delete(target);
    } finally {
      target.busy = false;
    }
  }

  /** A spec change keeps what is immutable (and, for a decoy's resource, the refusal to adopt). */
  private changed(slot: Slot, spec: Record<string, unknown>): Record<string, unknown> {
    const adopting = slot.spec?.adopt ? { adopt: true, ...(slot.spec.resetPasswordOnAdopt ? { resetPasswordOnAdopt: true } : {}) } : {};
    return { ...spec, deletionPolicy: slot.spec?.deletionPolicy, ...adopting };
  }

  /** `annotated`: the object may be deleted while others reference it (delete-while-referenced). */
  private async create(slot: Slot, given: Record<string, unknown>, annotated: boolean): Promise<void> {
    // A name is free again only once the previous object's finalizer is gone.
    if (!(await this.waitGone(slot)) || slot.retired) return;
    // Adopting a hand-made login or instance sets a new password on it: the spec must say so.
    const adopting = slot.kind === 'Database' ? { adopt: true, resetPasswordOnAdopt: true } : { adopt: true };
    const creates = (slot.creates ?? 0) + 1;
    const exported = given.exportTo ? { exportTo: { name: exportName(slot, creates) } } : {};
    const spec = { ...given, ...(slot.handMade ? adopting : {}), ...exported };
    // The spec is random, the hand-made thing is not: the adoption is told to converge it (else it
    // waits, AdoptionWouldChange, for the user to say so).
    const annotations = { ...(slot.handMade ? { [ADOPT_WITH_CHANGES]: 'true' } : {}), ...(annotated ? { [DELETE_WHILE_REFERENCED]: 'true' } : {}) };
    const metadata = Object.keys(annotations).length ? { annotations } : {};
    slot.creates = creates;
    if (slot.ref) this.refs.sending(slot, true);
    const made = await retrying(async () => {
      try {
        return await this.api(slot).create(this.w.namespace, slot.name, spec, metadata);
      } catch (err) {
        // A create retried after a cut connection may have landed the first time.
        if ((err as { code?: number }).code !== 409) throw err;
        return this.api(slot).get(this.w.namespace, slot.name);
      }
    });
    slot.uid = made.metadata.uid;
    slot.live = true;
    slot.spec = spec;
    slot.createdAt = Date.now();
    slot.annotated = made.metadata.annotations?.[DELETE_WHILE_REFERENCED] === 'true';
    if (slot.ref) this.refs.acked(slot, spec);
    this.historyOf(slot).specs.push({ uid: made.metadata.uid, spec, resourceVersion: made.metadata.resourceVersion, generation: made.metadata.generation });
  }

  private async patch(slot: Slot, spec: Record<string, unknown>): Promise<void> {
    // Recorded before the call: one that fails may have landed all the same.
    const sent: SpecSent = { uid: slot.uid, spec };
    this.historyOf(slot).specs.push(sent);
    if (slot.ref) this.refs.sending(slot, false);
    const patched = (await retrying(() => this.api(slot).patchSpec(this.w.namespace, slot.name, spec))) as ManagedObject;
    sent.resourceVersion = patched.metadata.resourceVersion;
    sent.generation = patched.metadata.generation;
    slot.spec = spec;
    if (slot.ref) this.refs.acked(slot, spec);
  }

  private async delete(slot: Slot): Promise<void> {
    // Only an object the operator already holds (finalizer) is finalized; one it never saw
    // simply goes, and whatever an earlier, retained namesake left stays (legitimately).
    const object = await retrying(() => this.api(slot).tryGet(this.w.namespace, slot.name));
    // The stored object's policy, not the run's record of it: a patch retried after a cut
    // connection may have landed although its call failed.
    const stored = object?.spec?.deletionPolicy ?? slot.spec?.deletionPolicy;
    const policy = stored === 'Retain' ? 'Retain' : 'Delete';
    if (policy === 'Retain' && !slot.decoy) this.retained.add(markOf(this.w, slot));
    // Read: a hold must keep the thing (refinvariants.ts), if there was one to keep.
    const thing = this.refs.readers(slot).length ? await this.thingExists(slot).catch(() => undefined) : undefined;
    slot.live = false;
    const finalized = Boolean(object?.metadata.finalizers?.includes(FINALIZER));
    slot.deletedWith = finalized ? policy : undefined;
    slot.deletion = { at: Date.now(), policy, finalized, annotated: object?.metadata.annotations?.[DELETE_WHILE_REFERENCED] === 'true', thing };
    await retrying(async () => {
      try {
        await this.api(slot).remove(this.w.namespace, slot.name);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
    });
  }

  /** Whether the slot's thing is in the cloud (by name, marked or not). */
  async thingExists(slot: Slot): Promise<boolean> {
    const w = this.w;
    if (slot.kind === 'Bucket') return bucketExists(w, slot.name);
    if (slot.kind === 'DNSRecord') return (await recordSets(w)).some((s) => s.Name === fqdnOf(w, slot) && s.Type === slot.recordType);
    if (slot.rds) return (await rdsInstances(w)).some((i) => i.id === slot.name);
    return (await pgDatabases(w)).some((d) => d.name === dbName(slot));
  }

  /** Waits (bounded) until no object of the slot's name exists; false if it never went. */
  async waitGone(slot: Slot, timeoutMs = 180_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // Held (InUse) while a dependant reads it: not waited for, the slot is left as it is.
      if (this.refs.held(slot)) return false;
      if ((await retrying(() => this.api(slot).tryGet(this.w.namespace, slot.name))) === undefined) {
        const policy = slot.deletedWith;
        slot.deletedWith = undefined;
        if (policy && !slot.decoy) await this.onReleased(slot, policy);
        if (slot.kind === 'Bucket' && policy === 'Delete') await this.meddle(slot, () => this.forgetTags(slot.name));
        if (policy === 'Retain' && !slot.decoy) slot.retired = true;
        return true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    this.log(`${slot.kind}/${slot.name} was not gone after ${timeoutMs / 1000} s; not re-created`);
    return false;
  }

  // --- out of band: straight to the emulator and PostgreSQL --------------------------------------

  /** The thing the slot names, made by hand without our mark (for adoption); kept if it exists. */
  private async makeOutOfBand(slot: Slot): Promise<void> {
    if (!(await this.waitGone(slot))) return;
    const w = this.w;
    slot.handMade = true;
    if (slot.kind === 'Bucket') {
      const made = await w.s3.send(new CreateBucketCommand({ Bucket: slot.name })).then(() => true, (err: Error) => {
        if (!/BucketAlready/.test(err.name)) throw err;
        return false;
      });
      // moto keeps a deleted bucket's tags and gives them to a new bucket of the name (S3 does
      // not): without this, a bucket made by hand would carry the last owner's mark.
      if (made) await w.s3.send(new DeleteBucketTaggingCommand({ Bucket: slot.name }));
      return;
    }
    if (slot.kind === 'DNSRecord') {
      const value = slot.recordType === 'A' ? '203.0.113.7' : '"made by hand"';
      const exists = (await recordSets(w)).some((s) => s.Name === fqdnOf(w, slot) && s.Type === slot.recordType);
      if (!exists) {
        await this.changeRecords([{ Action: 'CREATE', ResourceRecordSet: { Name: fqdnOf(w, slot), Type: slot.recordType, TTL: 120, ResourceRecords: [{ Value: value }] } }]).catch((err: Error) => {
          if (!/already exists/.test(err.message)) throw err;
        });
      }
      return;
    }
    if (slot.rds) {
      await w.rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: slot.name, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'byhand', MasterUserPassword: 'made-by-hand-1',
      })).catch((err: Error) => {
        if (err.name !== 'DBInstanceAlreadyExistsFault') throw err;
      });
      return;
    }
    const name = dbName(slot);
    const exists = async (catalog: string, column: string) => (await w.pg.query(`SELECT 1 FROM ${catalog} WHERE ${column} = $1`, [name])).rowCount === 1;
    if (!(await exists('pg_roles', 'rolname'))) await w.pg.query(`CREATE ROLE ${ident(name)} LOGIN`);
    if (!(await exists('pg_database', 'datname'))) await w.pg.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(name)}`);
  }

  /** Drift or a delete behind the operator's back, on a thing that should be ours. */
  private async outOfBand(slot: Slot, roll: number): Promise<void> {
    const w = this.w;
    const what = slot.kind === 'Bucket' ? (roll < 0.34 ? 'delete' : roll < 0.67 ? 'tags' : 'object') : roll < 0.5 ? 'delete' : 'modify';
    this.counts[`outOfBand:${slot.kind}:${what}`] = (this.counts[`outOfBand:${slot.kind}:${what}`] ?? 0) + 1;
    this.trace(`outOfBand ${what} ${slot.kind}/${slot.name}`);
    const ignoreMissing = (err: Error) => {
      if (!/NoSuchBucket|NotFound/.test(err.name)) throw err;
    };
    if (slot.kind === 'Bucket') {
      if (what === 'tags') await w.s3.send(new PutBucketTaggingCommand({ Bucket: slot.name, Tagging: { TagSet: [{ Key: OWNERSHIP_TAG, Value: markOf(w, slot) }, { Key: 'team', Value: 'meddled' }] } })).catch(ignoreMissing);
      if (what === 'object') await w.s3.send(new PutObjectCommand({ Bucket: slot.name, Key: 'oob.txt', Body: 'put by hand' })).catch(ignoreMissing);
      if (what === 'delete') await this.deleteBucket(slot.name).catch(ignoreMissing);
      return;
    }
    if (slot.kind === 'DNSRecord') {
      const sets = await recordSets(w);
      const record = sets.find((s) => s.Name === fqdnOf(w, slot) && s.Type === slot.recordType);
      if (!record) return;
      const owner = sets.find((s) => s.Name === `_mooring-${slot.recordType!.toLowerCase()}.${fqdnOf(w, slot)}` && s.Type === 'TXT');
      if (what === 'modify') {
        const value = slot.recordType === 'A' ? '198.51.100.9' : '"meddled"';
        await this.changeRecords([{ Action: 'UPSERT', ResourceRecordSet: { ...record, ResourceRecords: [{ Value: value }] } }]);
      } else {
        await this.changeRecords([record, ...(owner ? [owner] : [])].map((s) => ({ Action: 'DELETE', ResourceRecordSet: s })));
      }
      return;
    }
    if (slot.rds) {
      const ignoreGone = (err: Error) => {
        if (err.name !== 'DBInstanceNotFoundFault') throw err;
      };
      if (what === 'modify') await w.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: slot.name, DBInstanceClass: 'db.t3.medium', ApplyImmediately: true })).catch(ignoreGone);
      else await w.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: slot.name, SkipFinalSnapshot: true })).catch(ignoreGone);
      return;
    }
    const name = ident(dbName(slot));
    if (what === 'modify') await w.pg.query(`ALTER DATABASE ${name} CONNECTION LIMIT 1`).catch(() => undefined);
    else await w.pg.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }

  /**
   * moto keeps a deleted bucket's tags and gives them to the next bucket of its name (S3 does not):
   * the operator's own create of a new object's bucket would find the deleted object's mark on it
   * (AlreadyOwned). Made again untagged and deleted, the name starts clean, as on S3.
   */
  private async forgetTags(name: string): Promise<void> {
    const s3 = this.w.s3;
    const made = await s3.send(new CreateBucketCommand({ Bucket: name })).then(() => true, (err: Error) => {
      if (!/BucketAlready/.test(err.name)) throw err;
      return false; // not gone after all: left as it is, for the invariants to judge
    });
    if (!made) return;
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: name }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
  }

  private async changeRecords(changes: Change[]): Promise<void> {
    await this.w.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: this.w.zoneId, ChangeBatch: { Changes: changes } }));
  }

  private async deleteBucket(name: string): Promise<void> {
    const s3 = this.w.s3;
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: name }));
    for (const v of [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]) {
      await s3.send(new DeleteObjectCommand({ Bucket: name, Key: v.Key!, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
  }
}
