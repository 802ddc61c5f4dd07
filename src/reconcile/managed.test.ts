import assert from 'node:assert/strict';
import { must } from '../../sdk/testing.ts';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { managedSpecFields, type ConnectionSecretPolicy } from '../api/common.ts';
import { BUCKET_NAME_FROM_METADATA } from '../api/bucket.ts';
import { derivedNameProblems } from '../api/derived.ts';
import { Limits } from '../limits/index.ts';
import type { Connector, ExternalClient, ManagedResource, Observation, Pending } from '../../sdk/index.ts';
import { ConflictError, RetryableError, TerminalError } from '../../sdk/index.ts';
import { CREDENTIALS_PENDING, CREDENTIALS_ROTATION, ROTATE_CREDENTIALS, SECRET_OWNER } from './connection.ts';
import { ManagedReconciler } from './managed.ts';
import { nextLook } from './retry.ts';
import { REDACTED, SecretScrubber } from '../runtime/scrub.ts';
import { Reason } from './reasons.ts';
import { PendingMarkSigner } from './pending.ts';
import { MarkSigner, type MarkForm } from './marks.ts';
import { type Admission, type Requester, type ResyncCheck, CREATE_PENDING, FINALIZER, type ManagedKind, type ManagedObject, type ManagedStatus, type SecretBody, type SecretStore, type StoredSecret } from './types.ts';
import { ADOPT_WITH_CHANGES } from './adoption.ts';
import type { IntervalBounds } from './interval.ts';
import { ValueFrom } from '../api/references.ts';
import { DELETE_WHILE_REFERENCED, type ReferenceSource } from './references.ts';

const Spec = z.object({
  ...managedSpecFields, externalName: z.string().optional(), size: z.number().int().min(1).default(1),
  label: z.string().regex(/^[a-z.-]+$/).optional(), labelFrom: ValueFrom.optional(),
});
type Spec = z.output<typeof Spec>;

/** An in-memory cloud: things by name, each with a size, an ownership mark and maybe a password. */
type Thing = { size: number; mark?: string | undefined; password?: string | undefined };

class FakeCloud {
  things = new Map<string, Thing>();
  calls: string[] = [];
  deleteSteps = 1;
  /** Observes that still see the state before the last write (an eventually consistent cloud). */
  staleReads = 0;
  private stale = new Map<string, Thing | undefined>();
  deleteRequeueMs?: number | undefined;
  /** When set, observe reports the thing pending (a change still being applied, an RDS instance creating). */
  pending?: Pending | undefined;
  recorded: (Record<string, unknown> | undefined)[] = [];
  failNext?: Error | undefined;
  /** What create returns: nothing (default), or an observation up to date or not. */
  createReturns?: 'upToDate' | 'notUpToDate' | undefined;
  /** When set, create and update only queue their write (SDK 1.4 `{ queued: true }`), as a DNS zone's batcher does. */
  queueWrites = false;
  queued?: { name: string; thing: Thing } | undefined;
  /** The queued write was taken: observe reports it `written` from then on. */
  written = false;
  /** The queued write was refused: the next observe throws this. */
  refusal?: Error | undefined;
  /** Takes the queued write, as the backend accepting its batch. */
  land() {
    this.things.set(must(this.queued).name, must(this.queued).thing);
    this.queued = undefined;
    this.written = true;
  }
  /** Refuses the queued write: nothing changes in the cloud. */
  refuse(err: Error) {
    this.queued = undefined;
    this.refusal = err;
  }
  /** Writes at once, or queues the write when `queueWrites` is set. */
  put(name: string, thing: Thing): { queued: true } | undefined {
    if (!this.queueWrites) return void this.write(name, thing);
    this.queued = { name, thing };
    this.written = false;
    return { queued: true };
  }
  /** Remembers what observe should keep seeing while reads are stale. */
  write(name: string, thing: Thing) {
    if (this.staleReads > 0) this.stale.set(name, this.things.get(name));
    this.things.set(name, thing);
  }
  read(name: string) {
    if (this.staleReads > 0 && this.stale.has(name)) {
      this.staleReads--;
      return this.stale.get(name);
    }
    this.stale.delete(name);
    return this.things.get(name);
  }
  /** When set, failNext waits for this operation. */
  failOn?: string | undefined;
  fail(op: string) {
    this.calls.push(op);
    if (this.failOn !== undefined && this.failOn !== op) return;
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
  connector(): Connector<Spec> {
    return connectorFor(this);
  }
}

function connectorFor(cloud: FakeCloud): Connector<Spec> {
    const client: ExternalClient<Spec> = {
      async observe(r: ManagedResource<Spec>): Promise<Observation> {
        cloud.fail('observe');
        cloud.recorded.push(r.recorded);
        const refusal = cloud.refusal;
        cloud.refusal = undefined;
        if (refusal) throw refusal;
        const t = cloud.read(r.externalName);
        const pending = cloud.pending ?? (cloud.queued ? { reason: 'Waiting' as const, message: 'waiting for its batch' } : undefined);
        const waiting = { ...(pending ? { pending } : {}), ...(cloud.written ? { written: true } : {}) };
        if (!t) return { exists: false, upToDate: false, ...waiting };
        const upToDate = t.size === r.spec.size;
        return {
          exists: true, upToDate, ownershipMark: t.mark, atProvider: { id: `id-${r.externalName}` },
          diff: upToDate ? [] : [{ path: 'size', observed: t.size, desired: r.spec.size }],
          connectionDetails: { host: 'fake.example', username: r.externalName, ...(r.connectionSecret?.password ? { uri: `fake://${r.externalName}:${r.connectionSecret.password}@fake.example` } : {}) },
          ...waiting,
        };
      },
      async create(r) {
        cloud.fail('create');
        const password = r.connectionSecret?.password;
        const queued = cloud.put(r.externalName, { size: r.spec.size, mark: r.ownershipMark, ...(password ? { password } : {}) });
        if (queued) return queued;
        if (cloud.createReturns) return { exists: true, upToDate: cloud.createReturns === 'upToDate', ownershipMark: r.ownershipMark, atProvider: { id: `made-${r.externalName}` } };
      },
      async setCredentials(r) {
        cloud.fail('setCredentials');
        must(cloud.things.get(r.externalName)).password = r.connectionSecret?.password;
      },
      async update(r) {
        cloud.fail('update');
        return cloud.put(r.externalName, { size: r.spec.size, mark: r.ownershipMark });
      },
      async delete(r) {
        cloud.fail('delete');
        if (--cloud.deleteSteps > 0) return { done: false, progress: `${cloud.deleteSteps} steps left`, ...(cloud.deleteRequeueMs === undefined ? {} : { requeueAfterMs: cloud.deleteRequeueMs }) };
        cloud.things.delete(r.externalName);
        return { done: true };
      },
      async disconnect() {},
    };
  return { connect: async () => client };
}

/** Secrets in a map, written whole, with a resourceVersion that moves on every write. */
class FakeSecrets implements SecretStore {
  secrets = new Map<string, StoredSecret & { body?: SecretBody }>();
  writes = 0;
  async read(namespace: string, name: string) {
    return this.secrets.get(`${namespace}/${name}`);
  }
  async write(body: SecretBody, previous: StoredSecret | undefined) {
    const key = `${body.namespace}/${body.name}`;
    const now = this.secrets.get(key);
    if ((previous === undefined) !== (now === undefined) || (previous && previous.resourceVersion !== now?.resourceVersion)) {
      throw Object.assign(new Error('conflict'), { code: 409 });
    }
    this.writes++;
    const stored = { data: { ...body.data }, annotations: { ...body.annotations }, resourceVersion: String(this.writes), body };
    this.secrets.set(key, stored);
    return stored;
  }
}

/** A kind with a connection Secret `<name>-connection` holding a generated `password`. */
const withCredentials: Partial<ManagedKind<Spec>> = {
  connectionSecret: { defaultName: (n) => `${n}-connection`, generatedKeys: () => ['password'] },
};

/** The apiserver side: the object as stored, with every write applied and counted. */
/** The operator's pending-mark key in these tests; a tenant does not have it. */
const SIGNER = new PendingMarkSigner(Buffer.alloc(32, 7));
const MARK_SIGNER = new MarkSigner(Buffer.alloc(32, 7));
const PENDING = SIGNER.sign('u1');

/** The object's pending-create mark, if any, is void: status.lastChecked records the asset seen ours at or after its signing. */
function pendingBorneOut(o: ManagedObject): boolean {
  const mark = o.metadata.annotations?.[CREATE_PENDING];
  if (mark === undefined) return true;
  const at = SIGNER.verify(o.metadata.uid, mark)?.signedAtMs;
  return at !== undefined && Date.parse(o.status?.lastChecked ?? '') >= at;
}

interface HarnessOptions {
  claimant?: string;
  kind?: Partial<ManagedKind<Spec>>;
  now?: () => Date;
  uninstalling?: () => Promise<boolean>;
  /** What the resolver's admit says (default: granted, adoption allowed); an Error is thrown. */
  admission?: Admission | Error;
  /** Collects what each pass asked admit. */
  admitted?: Requester[];
  scrubber?: SecretScrubber;
  namespace?: string;
  /** The config's spec.ownershipMarks (default Readable). */
  markForm?: MarkForm;
  /** The operator's mark key (default: one, as the operator has once its key Secret is read). */
  markSigner?: MarkSigner;
  /** The resolver's resyncAccount (default: none), and what resyncMs is asked, in order. */
  resyncAccount?: (pc: string) => string | undefined;
  resyncChecks?: (ResyncCheck | undefined)[];
  /** Who manages each external name (ClaimIndex.claimant), by name. */
  claimants?: Record<string, { namespace: string; name: string; ready: boolean }>;
  interval?: IntervalBounds;
  references?: ReferenceSource;
}

function harness(spec: Record<string, unknown>, options: HarnessOptions = {}) {
  const cloud = new FakeCloud();
  let object: ManagedObject = {
    apiVersion: 'test.mooring.dev/v1', kind: 'Thing',
    metadata: { name: 'a', namespace: options.namespace ?? 'ns', uid: 'u1', generation: 1, finalizers: [], annotations: {} },
    spec: { providerConfigRef: { name: 'pc' }, ...spec },
  };
  const writes: string[] = [];
  const events: string[] = [];
  const eventMessages: string[] = [];
  const secrets = new FakeSecrets();
  let serial = 0;
  const reconciler = new ManagedReconciler<Spec>({
    kind: { kind: 'Thing', plural: 'things', spec: Spec, ...options.kind },
    secrets,
    generateSecret: () => `generated-${++serial}`,
    writer: {
      setFinalizers: async (o, finalizers, a) => {
        writes.push(`finalizers=${finalizers.join(',')}${a ? `+annotations=${Object.keys(a).join(',')}` : ''}`);
        object = { ...o, metadata: { ...o.metadata, finalizers, ...(a ? { annotations: { ...o.metadata.annotations, ...a } as Record<string, string> } : {}) } };
        return object;
      },
      setAnnotations: async (o, a) => {
        writes.push(`annotations=${Object.keys(a).join(',')}`);
        // A merge patch: applied to the object as stored (a status written meanwhile stays).
        const annotations = { ...object.metadata.annotations };
        for (const [k, v] of Object.entries(a)) if (v === null) delete annotations[k]; else annotations[k] = v;
        object = { ...object, metadata: { ...object.metadata, annotations } };
        return object;
      },
      writeStatus: async (o, status: ManagedStatus) => { writes.push('status'); object = { ...object, status }; },
    },
    events: { event: (_o, type, reason, message) => { events.push(`${type}/${reason}`); eventMessages.push(message); } },
    providers: {
      admit: (_pc, requester) => {
        options.admitted?.push(requester);
        if (options.admission instanceof Error) throw options.admission;
        return options.admission ?? { adoption: true };
      },
      resolve: async () => ({ connection: { name: 'pc', type: 'fake', region: 'r', settings: {} }, connector: cloud.connector() }),
      ...(options.resyncAccount ? { resyncAccount: options.resyncAccount } : {}),
      ownershipId: () => 'mooring',
      markForm: () => options.markForm ?? 'Readable',
    },
    claims: { earlierClaimant: () => options.claimant, claimant: (_kind, _pc, name) => options.claimants?.[name] },
    limits: new Limits(),
    log: { info() {}, warn() {}, error() {}, debug() {} },
    resyncMs: (check) => {
      options.resyncChecks?.push(check);
      return 300_000;
    },
    pendingMark: SIGNER,
    markSigner: options.markSigner ?? MARK_SIGNER,
    ...(options.now ? { now: options.now } : {}),
    ...(options.uninstalling ? { uninstalling: options.uninstalling } : {}),
    ...(options.interval ? { interval: options.interval } : {}),
    ...(options.scrubber ? { scrubber: options.scrubber } : {}),
    ...(options.references ? { references: options.references } : {}),
  });
  return {
    cloud, writes, events, eventMessages, secrets,
    secret: (name = 'a-connection') => secrets.secrets.get(`ns/${name}`),
    get object() { return object; },
    set object(o: ManagedObject) { object = o; },
    pass: () => reconciler.reconcile(object),
    condition: (type: string) => object.status?.conditions?.find((c) => c.type === type),
  };
}

const MARK = 'mooring/ns/a/u1';

describe('ManagedReconciler', () => {
  it('creates with the finalizer and the pending mark first, observes the result and turns Ready in one pass', async () => {
    const h = harness({ size: 2 });
    const result = await h.pass();
    assert.deepEqual(h.writes[0], `finalizers=${FINALIZER}+annotations=${CREATE_PENDING}`, 'finalizer and pending mark in one write, before the create');
    assert.deepEqual(h.cloud.calls, ['observe', 'create', 'observe']);
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.object.status?.observedGeneration, 1);
    assert.ok(pendingBorneOut(h.object), 'pending mark void once Ready');
    assert.deepEqual(h.writes, [`finalizers=${FINALIZER}+annotations=${CREATE_PENDING}`, 'status'], 'two kube writes (the Event is the third)');
    assert.deepEqual(h.cloud.things.get('a'), { size: 2, mark: MARK });
    assert.deepEqual(result, { outcome: 'done', resyncAfterMs: 300_000 }, 'next look at the resync');
  });

  it('takes what create says it made, when up to date and ours, without reading it back', async () => {
    const h = harness({ size: 2 });
    h.cloud.createReturns = 'upToDate';
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe', 'create'], 'no observe after the create');
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.deepEqual(h.object.status?.atProvider, { id: 'made-a' }, 'atProvider from what create returned');
    assert.ok(pendingBorneOut(h.object), 'pending mark void');
    assert.deepEqual(h.writes, [`finalizers=${FINALIZER}+annotations=${CREATE_PENDING}`, 'status']);
  });

  it('a borne-out pending mark is void: the thing deleted behind our back and an unmarked one made in its place is NotOwned, not taken', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    assert.ok(h.object.metadata.annotations?.[CREATE_PENDING], 'the mark stays on the object (no write to remove it)');
    h.cloud.things.set('a', { size: 2 }); // someone else's, unmarked, under the same name
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.NotOwned);
    assert.deepEqual(h.cloud.things.get('a'), { size: 2 });
  });

  it('a create after the thing went missing signs a newer mark, honoured until that create is borne out', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    const first = h.object.metadata.annotations?.[CREATE_PENDING];
    await new Promise((resolve) => setTimeout(resolve, 5));
    h.cloud.things.delete('a');
    h.cloud.staleReads = 1; // the re-create is not seen at once: the pass ends with the mark pending
    await h.pass();
    assert.notEqual(h.object.metadata.annotations?.[CREATE_PENDING], first, 'a new mark');
    assert.ok(!pendingBorneOut(h.object), 'honoured while the create is not borne out');
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.ok(pendingBorneOut(h.object));
  });

  it('a v1 pending mark (no signing time) is still honoured, and removed once the create is borne out', async () => {
    const h = harness({ size: 2 });
    const v1 = `v1.${createHmac('sha256', Buffer.alloc(32, 7)).update('create-pending:u1').digest('base64url')}`;
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER], annotations: { [CREATE_PENDING]: v1 } } };
    h.cloud.things.set('a', { size: 2 }); // created, but the mark never got written
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.mark, MARK, 'taken as ours');
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.object.metadata.annotations?.[CREATE_PENDING], undefined, 'removed');
  });

  it('reads back a create whose own answer is not up to date', async () => {
    const h = harness({ size: 2 });
    h.cloud.createReturns = 'notUpToDate';
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe', 'create', 'observe']);
    assert.deepEqual(h.object.status?.atProvider, { id: 'id-a' }, 'atProvider from the observe');
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('adds no finalizer while nothing was written to the cloud: an observe that fails leaves the object free to go', async () => {
    const h = harness({ size: 2 });
    h.cloud.failNext = new RetryableError(Reason.ProviderUnavailable, 'the cloud is down');
    await h.pass().catch(() => undefined);
    assert.equal(h.condition('Degraded')?.reason, Reason.ProviderUnavailable);
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers')), 'no finalizer before the first cloud write');
    assert.deepEqual(h.cloud.calls, ['observe']);
  });

  it('stays Progressing and looks again soon while the cloud does not show the create yet', async () => {
    const h = harness({ size: 2 });
    h.cloud.staleReads = 1;
    const first = await h.pass();
    assert.equal(h.condition('Progressing')?.reason, 'Creating');
    assert.notEqual(h.condition('Ready')?.status, 'True');
    assert.ok(h.object.metadata.annotations?.[CREATE_PENDING] && !pendingBorneOut(h.object), 'still pending');
    assert.ok(first.outcome === 'pending' && first.pollAfterMs <= 1000, 'looks again soon after a create');
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe', 'create', 'observe', 'observe'], 'no second create');
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.ok(pendingBorneOut(h.object));
  });

  it('writes the status only when it changed', async () => {
    const h = harness({});
    await h.pass();
    await h.pass();
    const before = h.writes.length;
    const result = await h.pass();
    assert.equal(h.writes.length, before, 'a steady pass writes nothing');
    assert.equal(nextLook(result).requeueAfterMs, 300_000);
  });

  it('moves status.lastChecked on a steady pass only once it is an hour old: not a kube write per object per resync', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const h = harness({}, { now: () => new Date(now) });
    await h.pass();
    assert.equal(h.object.status?.lastChecked, '2026-06-01T00:00:00.000Z', 'set with the Ready write, free');
    const before = h.writes.length;
    now += 59 * 60_000;
    await h.pass();
    assert.equal(h.writes.length, before, 'not moved within the hour');
    now += 60_000;
    await h.pass();
    assert.deepEqual(h.writes.slice(before), ['status']);
    assert.equal(h.object.status?.lastChecked, '2026-06-01T01:00:00.000Z');
  });

  it('asks for the next drift check under the account of the object\'s config, at its own phase or its group\'s', async () => {
    const checks: (ResyncCheck | undefined)[] = [];
    const h = harness({}, { resyncAccount: (pc) => `account-of-${pc}`, resyncChecks: checks });
    await h.pass();
    await h.pass();
    assert.deepEqual(checks, [{ account: 'account-of-pc', phaseKey: 'u1' }, { account: 'account-of-pc', phaseKey: 'u1' }]);
    const grouped: (ResyncCheck | undefined)[] = [];
    const g = harness({}, { resyncAccount: () => 'acct', resyncChecks: grouped, kind: { resyncGroup: () => 'zone:z1' } });
    await g.pass();
    assert.deepEqual(grouped, [{ account: 'acct', phaseKey: 'Thing/pc/zone:z1' }], 'a group shares one phase: one listing answers them all');
    const unknown: (ResyncCheck | undefined)[] = [];
    await harness({}, { resyncChecks: unknown }).pass();
    assert.deepEqual(unknown, [undefined], 'no account known: the jittered period');
  });

  const refusals = [
    { reason: 'an invalid spec names the field and calls no adapter', spec: { size: 0 }, expect: 'InvalidSpec', message: /spec\.size/ },
    { reason: 'an unmarked existing thing is not touched without adopt', spec: {}, existing: { size: 1 }, expect: 'NotOwned', message: /spec\.adopt/ },
    { reason: 'a thing marked by another resource is not touched, even with adopt', spec: { adopt: true }, existing: { size: 5, mark: 'mooring/other/b' }, expect: 'AlreadyOwned', message: /mooring\/other\/b/ },
    { reason: 'an older resource claiming the name wins', spec: {}, claimant: 'ns/older', expect: 'AlreadyOwned', message: /ns\/older/ },
  ];
  for (const c of refusals) {
    it(c.reason, async () => {
      const h = harness(c.spec, c.claimant ? { claimant: c.claimant } : {});
      if (c.existing) h.cloud.things.set('a', c.existing);
      const result = await h.pass();
      assert.equal(h.condition('Degraded')?.status, 'True');
      assert.equal(h.condition('Degraded')?.reason, c.expect);
      assert.match(must(h.condition('Degraded')).message, c.message);
      assert.equal(h.condition('Ready')?.status, 'False');
      assert.ok(!h.cloud.calls.some((op) => op !== 'observe'), `no write to the cloud (${h.cloud.calls.join(',')})`);
      if (c.existing) assert.deepEqual(h.cloud.things.get('a'), c.existing, 'the thing is unchanged');
      assert.equal(result.outcome, 'terminal');
      assert.equal(nextLook(result).requeueAfterMs, 300_000, 'no hot retry');
    });
  }

  // Another object's asset (another namespace's, perhaps): refused, and nothing of it carried into
  // this object's status, where references, exports and `kubectl get` would read it.
  for (const policy of ['Full', 'ObserveOnly'] as const) {
    it(`${policy}: a thing marked by another resource is AlreadyOwned, and none of its details reach status`, async () => {
      const h = harness({ managementPolicy: policy });
      h.cloud.things.set('a', { size: 5, mark: 'mooring/other-team/b/uid-b' });
      await h.pass();
      assert.equal(h.condition('Degraded')?.reason, Reason.AlreadyOwned);
      assert.ok(!JSON.stringify(h.object.status).includes('id-a'), `nothing observed in status: ${JSON.stringify(h.object.status?.atProvider)}`);
      assert.ok(!h.cloud.calls.some((op) => op !== 'observe'));
    });
  }

  it('ObserveOnly still reports an unmarked thing (what it is for)', async () => {
    const h = harness({ managementPolicy: 'ObserveOnly' });
    h.cloud.things.set('a', { size: 5 });
    await h.pass();
    assert.equal(h.condition('Ready')?.reason, Reason.Observed);
    assert.deepEqual(h.object.status?.atProvider, { id: 'id-a' });
  });

  describe('a name derived from metadata.name', () => {
    // The object is named `a`: as a bucket name (S3 wants 3-63 characters) it breaks two rules.
    const bucketNames: Partial<ManagedKind<Spec>> = { nameProblems: (name, spec) => derivedNameProblems([BUCKET_NAME_FROM_METADATA], name, spec) };

    it('that breaks the rules of the field it stands for is InvalidSpec, naming each rule, before any cloud call', async () => {
      const h = harness({}, { kind: bucketNames });
      const result = await h.pass();
      assert.equal(h.condition('Degraded')?.reason, Reason.InvalidSpec);
      assert.match(must(h.condition('Degraded')).message, /the bucket name "a" \(metadata\.name, while spec\.externalName is unset\) must be 3-63 characters long \(S3 bucket naming rules\); the bucket name "a" .* start and end with a letter or digit/);
      assert.deepEqual(h.cloud.calls, [], 'no cloud call');
      assert.ok(!h.writes.some((w) => w.startsWith('finalizers')), 'no finalizer');
      assert.equal(result.outcome, 'terminal');
      assert.equal(nextLook(result).requeueAfterMs, 300_000, 'no hot retry');
    });

    it('is not checked while the field is set', async () => {
      const h = harness({ externalName: 'fine-name' }, { kind: bucketNames });
      await h.pass();
      assert.equal(h.condition('Ready')?.status, 'True');
      assert.ok(h.cloud.things.has('fine-name'));
    });

    it('does not stop a delete: what an object made before the rule left behind is still cleaned up', async () => {
      const h = harness({}, { kind: bucketNames });
      h.cloud.things.set('a', { size: 1, mark: MARK });
      h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER], deletionTimestamp: '2026-01-01T00:00:00Z' } };
      await h.pass();
      assert.deepEqual(h.cloud.calls, ['observe', 'delete']);
      assert.equal(h.cloud.things.has('a'), false);
    });
  });

  const tenancy = [
    {
      reason: 'a namespace the config was not granted to is refused before any call, with no finalizer',
      spec: {}, options: { admission: new TerminalError(Reason.NotGranted, 'ProviderConfig pc is not granted to namespace ns') }, expect: Reason.NotGranted, calls: [] as string[],
    },
    {
      reason: 'adopt where the config forbids adoption is refused with its own reason',
      spec: { adopt: true }, options: { admission: { adoption: false } }, existing: { size: 1 }, expect: Reason.AdoptionNotGranted, calls: ['observe'],
    },
    {
      reason: 'a pending-create mark the operator did not sign (a timestamp, as a tenant writes it) is no licence to take over',
      spec: {}, annotations: { [CREATE_PENDING]: '2026-01-01T00:00:00Z' }, existing: { size: 1 }, expect: Reason.NotOwned, calls: ['observe'],
    },
    {
      reason: 'a pending-create mark copied from another object (another uid) does not verify',
      spec: {}, annotations: { [CREATE_PENDING]: SIGNER.sign('someone-elses-uid') }, existing: { size: 1 }, expect: Reason.NotOwned, calls: ['observe'],
    },
  ];
  for (const c of tenancy) {
    it(c.reason, async () => {
      const h = harness(c.spec, c.options ?? {});
      if (c.annotations) h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: c.annotations } };
      if (c.existing) h.cloud.things.set('a', c.existing);
      await h.pass();
      assert.equal(h.condition('Degraded')?.reason, c.expect);
      assert.deepEqual(h.cloud.calls, c.calls);
      assert.ok(!h.writes.some((w) => w.startsWith('finalizers')), `no finalizer (${h.writes.join(',')})`);
      if (c.existing) assert.deepEqual(h.cloud.things.get('a'), c.existing, 'the thing is unchanged');
    });
  }

  it('adopts an unmarked thing that matches the spec when asked, writing only our mark', async () => {
    const h = harness({ adopt: true, size: 3 });
    h.cloud.things.set('a', { size: 3 });
    await h.pass();
    assert.deepEqual(h.cloud.things.get('a'), { size: 3, mark: MARK });
    assert.ok(h.events.includes('Normal/Adopted'));
  });

  // Issue 16: adopting converged the spec's defaults onto the thing, unasked.
  it('an adoption that would change the thing shows its plan and changes nothing until the annotation accepts it', async () => {
    const h = harness({ adopt: true, size: 3 });
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.deepEqual(h.cloud.things.get('a'), { size: 1 }, 'untouched: not even our mark');
    assert.deepEqual(h.cloud.calls, ['observe']);
    assert.equal(h.condition('Degraded')?.reason, Reason.AdoptionWouldChange);
    assert.match(must(h.condition('Degraded')).message, /size: 1 → 3.*nothing was changed.*spec\.ignoreChanges.*mooring\.dev\/adopt-with-changes=true/);
    assert.deepEqual(h.object.status?.plan, [{ operation: 'adopt', fields: [{ path: 'size', old: '1', new: '3' }, { path: 'ownershipMark', new: JSON.stringify(MARK) }] }]);
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers')), 'no finalizer for an adoption not made');

    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { [ADOPT_WITH_CHANGES]: 'true' } } };
    await h.pass();
    assert.deepEqual(h.cloud.things.get('a'), { size: 3, mark: MARK });
    assert.ok(h.events.includes('Normal/Adopted'));
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.object.status?.plan, undefined, 'the plan goes once adopted');
  });

  it('with adopt, an unmarked thing is shown first even when a create of ours is marked pending (it may have found it there)', async () => {
    const h = harness({ adopt: true, size: 3 });
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER], annotations: { [CREATE_PENDING]: PENDING } } };
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.deepEqual(h.cloud.things.get('a'), { size: 1 });
    assert.equal(h.condition('Degraded')?.reason, Reason.AdoptionWouldChange);
  });

  it('an adoption whose differences are all in spec.ignoreChanges takes the thing as found', async () => {
    const h = harness({ adopt: true, size: 3, ignoreChanges: ['size'] });
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.deepEqual(h.cloud.things.get('a'), { size: 1, mark: MARK });
  });

  it('after a crash between create and its record, takes the unmarked thing as its own', async () => {
    const h = harness({ size: 2 });
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER], annotations: { [CREATE_PENDING]: PENDING } } };
    h.cloud.things.set('a', { size: 2 }); // created, but the mark never got written
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.mark, MARK);
    assert.equal(h.cloud.calls.filter((c) => c === 'create').length, 0, 'no second create');
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('corrects drift through update and records an event', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    h.cloud.things.set('a', { size: 9, mark: MARK });
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.size, 2);
    assert.ok(h.events.includes('Normal/DriftCorrected'), 'a change behind our back is drift');
  });

  it('ObserveOnly never writes to the cloud nor adds a finalizer', async () => {
    const h = harness({ managementPolicy: 'ObserveOnly', size: 2 });
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, 'ExternalResourceNotFound');
    h.cloud.things.set('a', { size: 7 });
    await h.pass();
    assert.equal(h.condition('Ready')?.reason, 'Observed');
    assert.match(must(h.condition('Ready')).message, /size/);
    assert.deepEqual(h.cloud.calls, ['observe', 'observe']);
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers')));
  });

  const deleting = (h: ReturnType<typeof harness>) => {
    h.object = { ...h.object, metadata: { ...h.object.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  };

  it('deletes in steps, reporting progress, and removes the finalizer when done', async () => {
    const h = harness({});
    await h.pass();
    h.cloud.deleteSteps = 2;
    deleting(h);
    const r = await h.pass();
    assert.deepEqual(r, { outcome: 'pending', pollAfterMs: 0 });
    assert.equal(h.condition('Progressing')?.reason, 'Deleting');
    assert.equal(h.object.status?.atProvider?.deletion, '1 steps left');
    assert.ok(h.object.metadata.finalizers?.includes(FINALIZER));
    await h.pass();
    assert.equal(h.cloud.things.size, 0);
    assert.deepEqual(h.object.metadata.finalizers, []);
  });

  it('a delete that waits on the user (BucketNotEmpty) is polled steadily, not backed off, and goes once the user acts', async () => {
    const h = harness({});
    await h.pass();
    deleting(h);
    for (let i = 0; i < 3; i++) {
      h.cloud.failOn = 'delete';
      h.cloud.failNext = new TerminalError(Reason.BucketNotEmpty, 'the bucket a still holds 2 objects');
      const r = await h.pass();
      assert.equal(r.outcome, 'waiting');
      assert.deepEqual(nextLook(r), { requeueAfterMs: 30_000 }, 'the same steady poll each time, never a backoff step');
      assert.equal(h.condition('Degraded')?.reason, Reason.BucketNotEmpty);
      assert.ok(h.object.metadata.finalizers?.includes(FINALIZER));
    }
    h.cloud.failOn = undefined;
    await h.pass();
    assert.equal(h.cloud.things.size, 0);
    assert.deepEqual(h.object.metadata.finalizers, []);
  });

  it('Retain removes the finalizer and leaves the thing', async () => {
    const h = harness({ deletionPolicy: 'Retain' });
    await h.pass();
    deleting(h);
    await h.pass();
    assert.ok(h.cloud.things.has('a'));
    assert.deepEqual(h.object.metadata.finalizers, []);
    assert.ok(h.events.includes('Normal/Retained'));
  });

  it('never deletes a thing that is not ours', async () => {
    const h = harness({});
    await h.pass();
    h.cloud.things.set('a', { size: 1, mark: 'someone/else/x' });
    deleting(h);
    await h.pass();
    assert.ok(h.cloud.things.has('a'));
    assert.ok(!h.cloud.calls.includes('delete'));
    assert.deepEqual(h.object.metadata.finalizers, []);
  });

  it('releases a deleted resource whose name turned out to belong to someone else', async () => {
    const h = harness({});
    await h.pass();
    deleting(h);
    h.cloud.failNext = new TerminalError('NameTaken', 'owned by another account');
    await h.pass();
    assert.deepEqual(h.object.metadata.finalizers, []);
    assert.ok(h.events.includes('Normal/LeftUnowned'));
    assert.ok(!h.cloud.calls.includes('delete'));
  });

  it('a terminal error is Degraded with its reason and waits for the resync', async () => {
    const h = harness({});
    h.cloud.failNext = new TerminalError('AccessDenied', 'access denied to a');
    const r = await h.pass();
    assert.equal(h.condition('Degraded')?.reason, 'AccessDenied');
    assert.deepEqual(nextLook(r), { requeueAfterMs: 300_000 }, 'at the resync, not counted toward the backoff');
    assert.ok(h.events.includes('Warning/AccessDenied'));
  });

  it('a throttled call is Degraded (Throttled) and returned for backoff with the hint', async () => {
    const h = harness({});
    h.cloud.failNext = new RetryableError('Throttling', 'slow down', { throttled: true, retryAfterMs: 7000 });
    assert.deepEqual(nextLook(await h.pass()), { failed: { kind: 'failure', reason: 'Throttled', retryAfterMs: 7000 } }, 'counted, never sooner than the hint');
    assert.equal(h.condition('Degraded')?.reason, 'Throttled');
  });

  it('a conflict (the cloud, or the object) is returned as one, for the queue to back off from its smaller first step', async () => {
    const h = harness({ size: 2 });
    h.cloud.failNext = new ConflictError('Conflict', 'someone else changed it');
    const degradedBefore = h.condition('Degraded')?.status;
    assert.deepEqual(await h.pass(), { outcome: 'conflict', reason: 'Conflict', message: 'someone else changed it' });
    assert.equal(h.condition('Degraded')?.status, degradedBefore, 'no status write: the next pass reads the object anew');
    assert.ok(h.events.includes('Warning/Conflict'));
    // The apiserver's 409 (a write on a stale object) is a conflict too.
    h.cloud.failNext = Object.assign(new Error('the object has been modified'), { code: 409 });
    assert.deepEqual(nextLook(await h.pass()), { failed: { kind: 'conflict', reason: 'Conflict' } });
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True', 'the next pass goes through');
  });

  it('while the adapter waits for its own change, writes nothing and polls with a growing interval', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const h = harness({ size: 2 }, { now: () => new Date(now) });
    await h.pass(); // created
    h.cloud.pending = { reason: 'Waiting', message: 'waiting for change C1 to be INSYNC' };
    const delays: number[] = [];
    for (const step of [0, 4_000, 20_000, 120_000]) {
      now += step;
      delays.push(nextLook(await h.pass()).requeueAfterMs ?? NaN);
      assert.equal(h.condition('Progressing')?.reason, 'Waiting');
      assert.match(must(h.condition('Progressing')).message, /change C1 to be INSYNC/);
      assert.equal(h.condition('Ready')?.status, 'False');
    }
    assert.deepEqual(delays, [1000, 2000, 12_000, 30_000], 'half the wait so far, from 1 s up to 30 s');
    assert.deepEqual(h.cloud.calls.filter((c) => c !== 'observe'), ['create'], 'no second write while waiting');
    h.cloud.pending = undefined;
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('while the adapter tells when to look again (pending.until), waits on that, polling only at the longest', async () => {
    const h = harness({ size: 2 });
    await h.pass(); // created
    const sent = Promise.resolve();
    h.cloud.pending = { reason: 'Waiting', message: 'waiting for its change to be sent', until: sent };
    assert.deepEqual(nextLook(await h.pass()), { requeueAfterMs: 30_000, wake: sent });
    deleting(h);
    h.cloud.things.clear();
    assert.deepEqual(nextLook(await h.pass()), { requeueAfterMs: 30_000, wake: sent }, 'on the delete path too');
    assert.equal(h.condition('Progressing')?.reason, 'Deleting');
  });

  it('a create still queued keeps the finalizer: nothing may land after it went', async () => {
    const h = harness({});
    await h.pass();
    h.cloud.things.clear();
    h.cloud.pending = { reason: 'Waiting', message: 'waiting for the change to be sent' };
    deleting(h);
    await h.pass();
    assert.ok(h.object.metadata.finalizers?.includes(FINALIZER));
    assert.equal(h.condition('Progressing')?.reason, 'Deleting');
    h.cloud.pending = undefined;
    await h.pass();
    assert.deepEqual(h.object.metadata.finalizers, []);
  });

  it('a pending thing that exists is handed to delete, which copes with the work under way', async () => {
    const h = harness({});
    await h.pass();
    h.cloud.pending = { reason: 'Provisioning', message: 'cloud says: modifying' };
    deleting(h);
    await h.pass();
    assert.ok(h.cloud.calls.includes('delete'), 'an RDS instance may be deleted while it is modifying');
    assert.deepEqual(h.object.metadata.finalizers, []);
  });

  it('a queued create is claimed (Created) only once an observe reports it written', async () => {
    const h = harness({ size: 2 });
    h.cloud.queueWrites = true;
    await h.pass();
    assert.equal(h.condition('Progressing')?.reason, 'Waiting');
    assert.ok(!h.events.includes('Normal/Created'), 'no Created while the write is only queued');
    await h.pass();
    assert.ok(!h.events.includes('Normal/Created'), 'still queued: still no Created');
    h.cloud.land();
    await h.pass();
    assert.deepEqual(h.events.filter((e) => e === 'Normal/Created'), ['Normal/Created']);
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('a queued create refused by the backend claims nothing', async () => {
    const h = harness({ size: 2 });
    h.cloud.queueWrites = true;
    await h.pass();
    h.cloud.refuse(new TerminalError(Reason.InvalidChange, 'refused: a CNAME beside an A'));
    await h.pass().catch(() => undefined);
    assert.equal(h.condition('Degraded')?.reason, Reason.InvalidChange);
    h.cloud.queueWrites = false;
    await h.pass();
    assert.deepEqual(h.events.filter((e) => e === 'Normal/Created'), ['Normal/Created'], 'only the create that was made is claimed');
  });

  it('a queued drift correction the backend refused is never claimed: DriftCorrected only when the write was taken', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    must(h.cloud.things.get('a')).size = 5; // behind our back
    h.cloud.queueWrites = true;
    await h.pass();
    assert.ok(h.events.includes('Normal/DriftDetected'));
    assert.ok(!h.events.includes('Normal/DriftCorrected'), 'queued, not taken');
    h.cloud.refuse(new RetryableError(Reason.Conflict, 'the batch was refused'));
    await h.pass().catch(() => undefined);
    assert.equal(must(h.cloud.things.get('a')).size, 5);
    assert.ok(!h.events.includes('Normal/DriftCorrected'), 'refused: the cloud still shows the drift');
    await h.pass(); // drift seen again: a second update queued
    assert.ok(!h.events.includes('Normal/DriftCorrected'));
    h.cloud.land();
    await h.pass();
    assert.equal(must(h.cloud.things.get('a')).size, 2);
    assert.deepEqual(h.events.filter((e) => e === 'Normal/DriftCorrected'), ['Normal/DriftCorrected']);
  });

  it("hands the adapter the last recorded atProvider, and honours a delete's requeue hint", async () => {
    const h = harness({});
    await h.pass(); // created, observed again: status.atProvider written
    await h.pass();
    assert.deepEqual(h.cloud.recorded, [undefined, undefined, { id: 'id-a' }], 'observe, the observe after the create, then the next pass');
    h.cloud.deleteSteps = 2;
    h.cloud.deleteRequeueMs = 1500;
    deleting(h);
    assert.equal(nextLook(await h.pass()).requeueAfterMs, 1500);
  });
});

describe('ManagedReconciler: connection Secret and generated credentials', () => {
  const creds = (spec: Record<string, unknown> = {}, secret: Partial<ConnectionSecretPolicy> = {}) =>
    harness(spec, { kind: { connectionSecret: { ...withCredentials.connectionSecret, ...secret } } });

  it('writes the generated password to the Secret (pending) before the create, which sets exactly that one', async () => {
    const h = creds();
    h.cloud.failOn = 'create';
    h.cloud.failNext = new RetryableError('ProviderUnavailable', 'create failed');
    assert.equal((await h.pass()).outcome, 'retryable');
    const written = h.secret();
    assert.equal(written?.data.password, 'generated-1', 'in the Secret although the create failed');
    assert.equal(written?.annotations[CREDENTIALS_PENDING], 'create');
    assert.equal(written?.annotations[SECRET_OWNER], MARK);
    assert.deepEqual(written?.body?.owner, { apiVersion: 'test.mooring.dev/v1', kind: 'Thing', name: 'a', uid: 'u1' });
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.password, 'generated-1', 'the retry sets the same password, never a new one');
    assert.equal(h.secret()?.annotations[CREDENTIALS_PENDING], undefined, 'applied once the create succeeded');
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.deepEqual(h.secret()?.data, { host: 'fake.example', username: 'a', uri: 'fake://a:generated-1@fake.example', password: 'generated-1' }, 'details published beside the password');
  });

  it('finishes a password a crash left pending on an existing thing, without an event', async () => {
    const h = creds();
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER] } };
    h.cloud.things.set('a', { size: 1, mark: MARK, password: 'stale' });
    await h.secrets.write({ namespace: 'ns', name: 'a-connection', type: 't', data: { password: 'P1' }, annotations: { [SECRET_OWNER]: MARK, [CREDENTIALS_PENDING]: 'create' }, labels: {}, owner: { apiVersion: 'v', kind: 'Thing', name: 'a', uid: 'u1' } }, undefined);
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.password, 'P1');
    assert.ok(h.cloud.calls.includes('setCredentials'));
    assert.equal(h.secret()?.annotations[CREDENTIALS_PENDING], undefined);
    assert.ok(!h.events.includes('Normal/CredentialsRotated'));
  });

  it('rotates once per request: new password in the Secret, set in the cloud, an Event without the value', async () => {
    const h = creds();
    await h.pass();
    await h.pass();
    const at = '2026-03-01T10:00:00Z';
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { ...h.object.metadata.annotations, [ROTATE_CREDENTIALS]: at } } };
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.password, 'generated-2');
    assert.equal(h.secret()?.data.password, 'generated-2');
    assert.equal(h.secret()?.annotations[CREDENTIALS_ROTATION], at);
    assert.equal(h.secret()?.data.uri, undefined, 'the URI holding the old password is dropped until published anew');
    assert.ok(h.events.includes('Normal/CredentialsRotated'));
    assert.ok(h.eventMessages.every((m) => !m.includes('generated-')), 'no event carries a password');
    await h.pass();
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.password, 'generated-2', 'the same request does not rotate again');
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.secret()?.data.uri, 'fake://a:generated-2@fake.example');
  });

  it('adopting an existing thing with generated credentials is refused unless the spec asks for a new password', async () => {
    const h = creds({ adopt: true });
    h.cloud.things.set('a', { size: 1, password: 'theirs' });
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.AdoptionNeedsPasswordReset);
    assert.deepEqual(h.cloud.things.get('a'), { size: 1, password: 'theirs' }, 'untouched');
    assert.equal(h.secret(), undefined, 'no Secret written');
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers')), 'no finalizer for a refused adoption');
  });

  it('adopting an existing thing (asked to reset its password) gives it a generated password before update, then sets it', async () => {
    const h = creds({ adopt: true }, { resetOnAdopt: () => true });
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.ok(h.secret()?.data.password, 'in the Secret before the adoption update');
    await h.pass();
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.password, h.secret()?.data.password);
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('a rotation request that is not a timestamp is InvalidSpec naming the annotation', async () => {
    const h = creds();
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { [ROTATE_CREDENTIALS]: 'now please' } } };
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, 'InvalidSpec');
    assert.match(must(h.condition('Degraded')).message, /rotate-credentials/);
  });

  it('takes over the Secret an earlier object of its namespace and name left for the garbage collector, and re-marks it', async () => {
    const h = creds();
    const earlier = `${MARK.slice(0, -'u1'.length)}0b1c2d3e-0000-4000-8000-000000000000`;
    await h.secrets.write({ namespace: 'ns', name: 'a-connection', type: 'connection.mooring.dev/v1', data: { password: 'old-one' }, annotations: { [SECRET_OWNER]: earlier }, labels: {}, owner: { apiVersion: 'v1', kind: 'Thing', name: 'a', uid: 'gone' } }, undefined);
    await h.pass();
    assert.notEqual(h.condition('Degraded')?.reason, 'SecretConflict');
    assert.equal(h.secret()?.annotations[SECRET_OWNER], MARK, 'now this object\'s');
    const other = creds();
    await other.secrets.write({ namespace: 'ns', name: 'a-connection', type: 'connection.mooring.dev/v1', data: {}, annotations: { [SECRET_OWNER]: 'mooring/ns/b/0b1c2d3e-0000-4000-8000-000000000000' }, labels: {}, owner: { apiVersion: 'v1', kind: 'Thing', name: 'b', uid: 'x' } }, undefined);
    await other.pass();
    assert.equal(other.condition('Degraded')?.reason, 'SecretConflict', 'another name\'s Secret is never taken');
  });

  it('never overwrites a Secret of that name it did not create: SecretConflict, nothing created', async () => {
    const h = creds();
    await h.secrets.write({ namespace: 'ns', name: 'a-connection', type: 'Opaque', data: { password: 'theirs' }, annotations: {}, labels: {}, owner: { apiVersion: 'v', kind: 'X', name: 'x', uid: 'x' } }, undefined);
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, 'SecretConflict');
    assert.deepEqual(h.secret()?.data, { password: 'theirs' });
    assert.ok(!h.cloud.calls.includes('create'));
  });

  it('writes the Secret only when its data changed', async () => {
    const h = creds();
    await h.pass();
    await h.pass();
    const before = h.secrets.writes;
    await h.pass();
    assert.equal(h.secrets.writes, before);
  });

  it('a Secret the spec names is used by kinds without a default, with no generated keys', async () => {
    const h = harness({ writeConnectionSecretToRef: { name: 'details' } });
    await h.pass();
    await h.pass();
    assert.deepEqual(h.secret('details')?.data, { host: 'fake.example', username: 'a' });
  });

  it('while the cloud reports the thing not available: Progressing with its words, no update, no rotation', async () => {
    const h = creds({ size: 2 });
    await h.pass();
    h.cloud.pending = { reason: 'Provisioning', message: 'cloud says: creating' };
    must(h.cloud.things.get('a')).size = 5;
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { ...h.object.metadata.annotations, [ROTATE_CREDENTIALS]: '2026-03-01T10:00:00Z' } } };
    const r = await h.pass();
    assert.equal(h.condition('Progressing')?.reason, 'Provisioning');
    assert.match(must(h.condition('Progressing')).message, /cloud says: creating/);
    assert.equal(nextLook(r).requeueAfterMs, 1000, 'the same growing poll as any pending thing');
    assert.ok(!h.cloud.calls.includes('update') && !h.cloud.calls.includes('setCredentials'));
    assert.deepEqual(h.secret()?.data.host, 'fake.example', 'what the cloud tells of a pending thing of ours is published');
    h.cloud.pending = undefined;
    await h.pass();
    assert.ok(h.cloud.calls.includes('setCredentials'), 'rotates once available');
  });

  it('a pending create taken back after a crash is not Ready until the Secret\'s password is set in the cloud', async () => {
    const h = creds({ size: 1 });
    h.cloud.things.set('a', { size: 1 }); // created, not yet marked: the crash came in between
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { [CREATE_PENDING]: PENDING } } };
    await h.pass();
    assert.notEqual(h.condition('Ready')?.status, 'True', 'not Ready on a password the cloud does not have');
    assert.equal(h.cloud.things.get('a')?.password, h.secret()?.data.password);
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.secret()?.annotations[CREDENTIALS_PENDING], undefined);
    assert.ok(pendingBorneOut(h.object));
  });

  it('ObserveOnly publishes details and never generates a password', async () => {
    const h = creds({ managementPolicy: 'ObserveOnly' });
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.deepEqual(h.secret()?.data, { host: 'fake.example', username: 'a' });
  });
});

describe('ManagedReconciler: plan, drift, ignoreChanges, refresh', () => {
  const WRITES = ['create', 'update', 'delete', 'setCredentials'];
  const cloudWrites = (calls: string[]) => calls.filter((c) => WRITES.includes(c));

  it('Plan: a missing thing plans a create of every spec field and calls nothing but observe', async () => {
    const h = harness({ managementPolicy: 'Plan', size: 3 });
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe']);
    assert.deepEqual(h.object.status?.plan, [{ operation: 'create', fields: [{ path: 'size', new: '3' }] }]);
    assert.equal(h.condition('Ready')?.reason, 'Planned');
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers') || w.startsWith('annotations')), 'no finalizer, no pending mark');
  });

  it('Plan: a drifted thing plans an update with old and new values; switching to Full makes exactly it and clears the plan', async () => {
    const h = harness({ managementPolicy: 'Plan', size: 3 });
    h.cloud.things.set('a', { size: 1, mark: MARK });
    await h.pass();
    assert.deepEqual(h.object.status?.plan, [{ operation: 'update', fields: [{ path: 'size', old: '1', new: '3' }] }]);
    assert.equal(h.condition('Drifted')?.status, 'True');
    assert.match(must(h.condition('Drifted')).message, /size: 1 → 3 \(Plan: not corrected\)/);
    assert.deepEqual(cloudWrites(h.cloud.calls), []);
    h.object = { ...h.object, spec: { ...h.object.spec, managementPolicy: 'Full' } };
    await h.pass();
    assert.deepEqual(cloudWrites(h.cloud.calls), ['update']);
    assert.equal(h.object.status?.plan, undefined);
  });

  it('Plan: an unmarked thing with adopt plans an adoption that writes our mark', async () => {
    const h = harness({ managementPolicy: 'Plan', size: 1, adopt: true });
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.deepEqual(h.object.status?.plan, [{ operation: 'adopt', fields: [{ path: 'ownershipMark', new: JSON.stringify(MARK) }] }]);
  });

  it('drift: the Drifted condition and a DriftDetected Event naming the field come before the update, then DriftCorrected', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    must(h.cloud.things.get('a')).size = 7;
    h.writes.length = 0;
    h.cloud.calls.length = 0;
    await h.pass();
    assert.deepEqual(h.writes, ['status', 'status'], 'Drifted written before the correction, then the outcome');
    assert.ok(h.events.indexOf('Normal/DriftDetected') < h.events.indexOf('Normal/DriftCorrected'));
    assert.ok(h.eventMessages.some((m) => m.includes('size: 7 → 2')));
    const drifted = must(h.condition('Drifted'));
    assert.deepEqual([drifted.status, drifted.reason], ['False', 'DriftCorrected']);
    assert.match(drifted.message, /size: 7 → 2/);
    h.writes.length = 0;
    await h.pass();
    assert.deepEqual(h.writes, [], 'a steady state writes nothing: the corrected condition is kept as it is');
  });

  it('a spec change is not drift: no Drifted condition, no DriftDetected', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    h.object = { ...h.object, metadata: { ...h.object.metadata, generation: 2 }, spec: { ...h.object.spec, size: 4 } };
    await h.pass();
    assert.ok(!h.events.includes('Normal/DriftDetected'));
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason], ['False', 'InSync']);
  });

  it('a spec change whose first update is throttled is still not drift when the retry applies it', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    assert.equal(h.object.status?.convergedGeneration, 1);
    h.object = { ...h.object, metadata: { ...h.object.metadata, generation: 2 }, spec: { ...h.object.spec, size: 4 } };
    h.cloud.failOn = 'update';
    h.cloud.failNext = new RetryableError('Throttling', 'slow down', { throttled: true });
    assert.equal((await h.pass()).outcome, 'throttled');
    assert.equal(h.condition('Degraded')?.reason, 'Throttled');
    assert.equal(h.object.status?.observedGeneration, 2, 'the status describes generation 2');
    assert.equal(h.object.status?.convergedGeneration, 1, 'but generation 2 was never applied');
    h.cloud.failOn = undefined;
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.size, 4);
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.ok(!h.events.includes('Normal/DriftDetected'), `no DriftDetected: ${h.events.join(' ')}`);
    assert.ok(h.events.includes('Normal/Updated'));
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason], ['False', 'InSync']);
    assert.equal(h.object.status?.convergedGeneration, 2);
  });

  it('drift after a failed pass at a converged generation is still drift', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    h.cloud.failNext = new RetryableError('ProviderUnavailable', 'down');
    assert.equal((await h.pass()).outcome, 'retryable');
    must(h.cloud.things.get('a')).size = 7;
    await h.pass();
    assert.ok(h.events.includes('Normal/DriftDetected'));
    assert.equal(h.condition('Drifted')?.reason, 'DriftCorrected');
  });

  it('a correction that fails leaves Drifted=True (no DriftCorrected while the cloud still shows the drift); the next pass corrects it', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    must(h.cloud.things.get('a')).size = 7;
    h.cloud.failOn = 'update';
    h.cloud.failNext = new RetryableError('Throttling', 'slow down', { throttled: true });
    assert.equal((await h.pass()).outcome, 'throttled');
    assert.equal(must(h.cloud.things.get('a')).size, 7);
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason], ['True', 'Drifted']);
    h.cloud.failOn = undefined;
    await h.pass();
    assert.equal(must(h.cloud.things.get('a')).size, 2);
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason], ['False', 'DriftCorrected']);
    assert.match(must(h.condition('Drifted')).message, /^corrected: size: 7 → 2$/);
  });

  it('a queued correction keeps Drifted=True until the cloud shows it', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    must(h.cloud.things.get('a')).size = 5;
    h.cloud.queueWrites = true;
    await h.pass();
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason], ['True', 'Drifted'], 'queued, not yet in the cloud');
    h.cloud.land();
    await h.pass();
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason], ['False', 'DriftCorrected']);
  });

  it('Drifted=True left by another incarnation (a restart, a shard handed over) whose correction landed: DriftCorrected, not InSync', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    const others = must(must(h.object.status).conditions).filter((c) => c.type !== 'Drifted');
    const left = { type: 'Drifted', status: 'True' as const, reason: 'Drifted', message: 'size: 7 → 2', observedGeneration: 1, lastTransitionTime: new Date(0).toISOString() };
    h.object = { ...h.object, status: { ...h.object.status, conditions: [...others, left] } };
    await h.pass();
    assert.deepEqual([h.condition('Drifted')?.status, h.condition('Drifted')?.reason, h.condition('Drifted')?.message], ['False', 'DriftCorrected', 'corrected: size: 7 → 2']);
  });

  it('an object written before convergedGeneration existed: Ready at its generation counts as converged', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    const { convergedGeneration: _, ...old } = must(h.object.status);
    h.object = { ...h.object, status: old };
    must(h.cloud.things.get('a')).size = 7;
    await h.pass();
    assert.ok(h.events.includes('Normal/DriftDetected'));
    assert.equal(h.object.status?.convergedGeneration, 1);
  });

  it('ignoreChanges: an ignored difference is neither reported nor corrected, and the adapter sees the live value', async () => {
    const h = harness({ size: 2, ignoreChanges: ['size'] });
    await h.pass();
    must(h.cloud.things.get('a')).size = 9;
    h.cloud.calls.length = 0;
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe'], 'no update');
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.condition('Drifted')?.status, 'False');
    assert.equal(must(h.cloud.things.get('a')).size, 9);
  });

  it('records the handled refresh request in status.lastRefresh, also on failure', async () => {
    const h = harness({ size: 1 });
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { 'mooring.dev/refresh-requested-at': '2026-03-01T10:00:00Z' } } };
    await h.pass();
    assert.equal(h.object.status?.lastRefresh, '2026-03-01T10:00:00Z');
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { ...h.object.metadata.annotations, 'mooring.dev/refresh-requested-at': '2026-03-01T11:00:00Z' } } };
    h.cloud.failNext = new TerminalError('AccessDenied', 'no');
    await h.pass().catch(() => undefined);
    assert.equal(h.object.status?.lastRefresh, '2026-03-01T11:00:00Z');
  });
});

describe('ManagedReconciler: uninstall', () => {
  it('while the CRD is being deleted, a deletion lets the object go and deletes nothing in the cloud, even mid-way', async () => {
    let uninstalling = false;
    const h = harness({ size: 1 }, { uninstalling: async () => uninstalling });
    await h.pass();
    h.cloud.deleteSteps = 3;
    h.object = { ...h.object, metadata: { ...h.object.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    await h.pass();
    assert.deepEqual(h.cloud.calls.filter((c) => c === 'delete'), ['delete'], 'a user delete started');
    uninstalling = true;
    await h.pass();
    assert.deepEqual(h.cloud.calls.filter((c) => c === 'delete'), ['delete'], 'no further delete call once the CRD is going');
    assert.ok(h.cloud.things.has('a'), 'the thing stays');
    assert.deepEqual(h.object.metadata.finalizers, [], 'the finalizer is released');
    assert.ok(h.events.includes('Normal/Uninstalling'));
  });

  it('a failed check of the CRD fails the pass: no cloud delete on a guess', async () => {
    const h = harness({ size: 1 }, { uninstalling: async () => { throw new Error('forbidden'); } });
    await h.pass();
    h.object = { ...h.object, metadata: { ...h.object.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    assert.equal((await h.pass()).outcome, 'retryable');
    assert.ok(!h.cloud.calls.includes('delete'));
    assert.deepEqual(h.object.metadata.finalizers, [FINALIZER]);
  });
});

describe('ManagedReconciler: what the scrubber learns', () => {
  it('a value a tenant wrote into its own connection Secret is not scrubbed from another object\'s message', async () => {
    const scrubber = new SecretScrubber();
    // The tenant's object, its Secret edited by the tenant (the mark is guessable): a "password"
    // naming another team, which the adapter also builds into the URI it reports.
    const tenant = harness({}, { kind: withCredentials, scrubber, namespace: 'ns' });
    tenant.object = { ...tenant.object, metadata: { ...tenant.object.metadata, finalizers: [FINALIZER] } };
    tenant.cloud.things.set('a', { size: 1, mark: MARK, password: 'x' });
    await tenant.secrets.write({ namespace: 'ns', name: 'a-connection', type: 't', data: { password: 'team-b-orders', token: 'ProviderUnavailable' }, annotations: { [SECRET_OWNER]: MARK }, labels: {}, owner: { apiVersion: 'v', kind: 'Thing', name: 'a', uid: 'u1' } }, undefined);
    await tenant.pass();
    assert.equal(tenant.secret()?.data.uri, 'fake://a:team-b-orders@fake.example', 'the tenant\'s value went through the adapter');
    // Another team's object fails with a message naming itself.
    const victim = harness({}, { scrubber, namespace: 'team-b' });
    victim.cloud.failNext = new TerminalError('InvalidSpec', 'team-b-orders: size refused (ProviderUnavailable upstream)');
    await victim.pass();
    assert.equal(victim.condition('Ready')?.message, 'team-b-orders: size refused (ProviderUnavailable upstream)');
    assert.equal(scrubber.scrub('team-b-orders ProviderUnavailable'), 'team-b-orders ProviderUnavailable');
  });

  it('a password the operator generated, and the URI built from it, are scrubbed; the username beside them is not', async () => {
    const scrubber = new SecretScrubber();
    const h = harness({}, { kind: withCredentials, scrubber });
    await h.pass();
    assert.equal(h.secret()?.data.uri, 'fake://a:generated-1@fake.example');
    assert.equal(scrubber.scrub('pw generated-1'), `pw ${REDACTED}`);
    assert.equal(scrubber.scrub('at fake://a:generated-1@fake.example'), `at ${REDACTED}`);
    assert.equal(scrubber.scrub('user a on fake.example'), 'user a on fake.example');
  });

  it('after a restart, a stored password of the generated form is learnt again (a value it never saw made)', async () => {
    const scrubber = new SecretScrubber();
    const h = harness({}, { kind: withCredentials, scrubber });
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER] } };
    const password = 'Zq3_vR8-kLm2Np4Xs6Tu9Wy1Ab5Cd7Ef';
    h.cloud.things.set('a', { size: 1, mark: MARK, password });
    await h.secrets.write({ namespace: 'ns', name: 'a-connection', type: 't', data: { password }, annotations: { [SECRET_OWNER]: MARK }, labels: {}, owner: { apiVersion: 'v', kind: 'Thing', name: 'a', uid: 'u1' } }, undefined);
    await h.pass();
    assert.equal(scrubber.scrub(`pw ${password}`), `pw ${REDACTED}`);
    assert.equal(scrubber.scrub(`at fake://a:${password}@fake.example`), `at ${REDACTED}`);
  });
});

describe('ManagedReconciler: ownership marks (uid, legacy marks, Hashed)', () => {
  const LEGACY = 'mooring/ns/a';
  const WRITES = ['create', 'update', 'setCredentials', 'delete'];
  const cloudWrites = (calls: string[]) => calls.filter((c) => WRITES.includes(c));
  /** The object as a pre-uid operator left it: finalizer on, a status it wrote. */
  const reconciledBefore = (h: ReturnType<typeof harness>) => {
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER] }, status: { observedGeneration: 1, atProvider: { id: 'id-a' } } };
  };
  const deleting = (h: ReturnType<typeof harness>) => {
    h.object = { ...h.object, metadata: { ...h.object.metadata, finalizers: [FINALIZER], deletionTimestamp: '2026-01-01T00:00:00Z' } };
  };

  it('new assets carry the uid: another object of the same namespace and name (a recreated namespace) has another mark', async () => {
    const h = harness({ size: 2 });
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.mark, 'mooring/ns/a/u1');
    const again = harness({ size: 2 });
    again.object = { ...again.object, metadata: { ...again.object.metadata, uid: 'u2' } };
    again.cloud.things.set('a', must(h.cloud.things.get('a')));
    await again.pass();
    assert.equal(again.condition('Degraded')?.reason, Reason.AlreadyOwned, 'the older object\'s asset is not the new one\'s');
    assert.deepEqual(cloudWrites(again.cloud.calls), []);
  });

  it('a legacy mark (no uid) stays ours for the object that made it: converged with that mark, Ready, no rewrite of the mark', async () => {
    const h = harness({ size: 3 });
    reconciledBefore(h);
    h.cloud.things.set('a', { size: 1, mark: LEGACY });
    await h.pass();
    assert.deepEqual(cloudWrites(h.cloud.calls), ['update']);
    assert.deepEqual(h.cloud.things.get('a'), { size: 3, mark: LEGACY }, 'the adapter was given the legacy mark');
    assert.equal(h.condition('Ready')?.status, 'True');
    assert.equal(h.condition('Degraded')?.status, 'False');
  });

  it('a legacy object costs a second observe only once: later passes start with its legacy mark', async () => {
    const h = harness({ size: 1 });
    reconciledBefore(h);
    h.cloud.things.set('a', { size: 1, mark: LEGACY });
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe', 'observe'], 'observed again with the mark it carries');
    h.cloud.calls.length = 0;
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe']);
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('a brand-new object (no status: a namespace deleted and made again) finding a legacy mark of its namespace/name is AlreadyOwned', async () => {
    const h = harness({ size: 3, adopt: true });
    h.cloud.things.set('a', { size: 1, mark: LEGACY });
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.AlreadyOwned);
    assert.deepEqual(cloudWrites(h.cloud.calls), []);
    assert.deepEqual(h.cloud.things.get('a'), { size: 1, mark: LEGACY });
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers')), 'no finalizer for an asset that is not ours');
  });

  it('deleting: a legacy object deletes its legacy-marked asset; a brand-new one leaves it (LeftUnowned)', async () => {
    const old = harness({ size: 1 });
    reconciledBefore(old);
    deleting(old);
    old.cloud.things.set('a', { size: 1, mark: LEGACY });
    await old.pass();
    assert.ok(old.events.includes('Normal/Deleted'));
    assert.equal(old.cloud.things.has('a'), false);

    const fresh = harness({ size: 1 });
    deleting(fresh);
    fresh.cloud.things.set('a', { size: 1, mark: LEGACY });
    await fresh.pass();
    assert.ok(fresh.events.includes('Normal/LeftUnowned'));
    assert.deepEqual(cloudWrites(fresh.cloud.calls), []);
    assert.ok(fresh.cloud.things.has('a'));
  });

  it('a legacy mark of another name is never ours, even for an object reconciled before', async () => {
    const h = harness({ size: 1 });
    reconciledBefore(h);
    h.cloud.things.set('a', { size: 1, mark: 'mooring/ns/b' });
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.AlreadyOwned);
    assert.deepEqual(cloudWrites(h.cloud.calls), []);
  });

  it('a legacy object\'s connection Secret, annotated with the legacy mark, is its own and keeps that mark', async () => {
    const h = harness({ size: 1 }, { kind: withCredentials });
    reconciledBefore(h);
    h.cloud.things.set('a', { size: 1, mark: LEGACY, password: 'P1' });
    await h.secrets.write({ namespace: 'ns', name: 'a-connection', type: 't', data: { password: 'P1' }, annotations: { [SECRET_OWNER]: LEGACY }, labels: {}, owner: { apiVersion: 'v', kind: 'Thing', name: 'a', uid: 'u1' } }, undefined);
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True', h.condition('Degraded')?.message);
    assert.equal(h.secret()?.annotations[SECRET_OWNER], LEGACY);
    assert.equal(h.secret()?.data.host, 'fake.example', 'details published');
  });

  it('a brand-new object finding a Secret of its name with a legacy mark is SecretConflict', async () => {
    const h = harness({ size: 1 }, { kind: withCredentials });
    await h.secrets.write({ namespace: 'ns', name: 'a-connection', type: 't', data: { password: 'P1' }, annotations: { [SECRET_OWNER]: LEGACY }, labels: {}, owner: { apiVersion: 'v', kind: 'Thing', name: 'a', uid: 'old' } }, undefined);
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.SecretConflict);
    assert.deepEqual(h.cloud.calls, []);
  });

  it('Hashed: the mark is the id and a keyed hash of namespace, name and uid, naming neither', async () => {
    const h = harness({ size: 1 }, { markForm: 'Hashed', namespace: 'team-secret' });
    await h.pass();
    const mark = h.cloud.things.get('a')?.mark ?? '';
    const want = createHmac('sha256', Buffer.alloc(32, 7)).update('ownership-mark:team-secret/a/u1').digest('base64url').slice(0, 32);
    assert.equal(mark, `mooring/h/${want}`);
    assert.ok(!mark.includes('team-secret') && !mark.includes('u1'));
    assert.equal(h.condition('Ready')?.status, 'True');
    // Another key, another mark: a tenant without the key cannot compute one.
    const other = harness({ size: 1 }, { markForm: 'Hashed', namespace: 'team-secret', markSigner: new MarkSigner(Buffer.alloc(32, 8)) });
    other.cloud.things.set('a', must(h.cloud.things.get('a')));
    await other.pass();
    assert.equal(other.condition('Degraded')?.reason, Reason.AlreadyOwned);
  });

  it('Hashed with no persistent key: MarkKeyUnavailable before any cloud call, no finalizer', async () => {
    const h = harness({ size: 1 }, { markForm: 'Hashed', markSigner: new MarkSigner() });
    await h.pass().catch(() => undefined);
    assert.equal(h.condition('Degraded')?.reason, Reason.MarkKeyUnavailable);
    assert.deepEqual(h.cloud.calls, []);
    assert.ok(!h.writes.some((w) => w.startsWith('finalizers')));
  });

  it('Hashed accepts no legacy mark: an asset marked id/namespace/name is AlreadyOwned even for an object reconciled before', async () => {
    const h = harness({ size: 1 }, { markForm: 'Hashed' });
    reconciledBefore(h);
    h.cloud.things.set('a', { size: 1, mark: LEGACY });
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.AlreadyOwned);
  });
});

describe('managementPolicies: Full narrowed to some cloud calls', () => {
  it('without Create, a missing thing is reported and never made', async () => {
    const h = harness({ managementPolicies: ['Observe', 'Update', 'Delete'], size: 2 });
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe']);
    assert.equal(h.condition('Degraded')?.reason, Reason.ExternalResourceNotFound);
    assert.match(must(h.condition('Degraded')).message, /managementPolicies \[Observe, Update, Delete\] never creates it/);
  });

  it('without Update, a difference on a thing of ours is reported, not corrected', async () => {
    const h = harness({ managementPolicies: ['Observe', 'Create'], size: 2 });
    await h.pass();
    assert.deepEqual(h.cloud.things.get('a'), { size: 2, mark: MARK }, 'Create made it');
    h.cloud.things.set('a', { size: 5, mark: MARK });
    h.cloud.calls = [];
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe'], 'no update');
    assert.equal(h.cloud.things.get('a')?.size, 5);
    assert.equal(h.condition('Drifted')?.status, 'True');
    assert.match(must(h.condition('Ready')).message, /size .*not corrected/);
  });

  it('without Update, an unmarked thing is never adopted (adopting writes the mark)', async () => {
    const h = harness({ managementPolicies: ['Observe', 'Create', 'Delete'], adopt: true, size: 1 });
    h.cloud.things.set('a', { size: 1 });
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe']);
    assert.equal(h.cloud.things.get('a')?.mark, undefined);
    assert.match(must(h.condition('Ready')).message, /never adopts it/);
  });

  it('without Delete, the thing stays when the object goes', async () => {
    const h = harness({ managementPolicies: ['Observe', 'Create', 'Update'], size: 2 });
    await h.pass();
    assert.ok(h.object.metadata.finalizers?.includes(FINALIZER));
    h.object = { ...h.object, metadata: { ...h.object.metadata, deletionTimestamp: new Date().toISOString() } };
    h.cloud.calls = [];
    await h.pass();
    assert.deepEqual(h.cloud.calls, [], 'no delete, not even an observe');
    assert.ok(h.cloud.things.has('a'));
    assert.ok(h.events.includes('Normal/Retained'));
    assert.ok(!h.object.metadata.finalizers?.includes(FINALIZER), 'let go');
  });

  it('without Update, a rotation request sets no new credentials, in the cloud or the Secret', async () => {
    const h = harness({ managementPolicies: ['Observe', 'Create', 'Delete'] }, { kind: withCredentials });
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.password, 'generated-1', 'Create set the first one');
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { ...h.object.metadata.annotations, [ROTATE_CREDENTIALS]: '2026-03-01T10:00:00Z' } } };
    h.cloud.calls = [];
    await h.pass();
    assert.deepEqual(h.cloud.calls, ['observe']);
    assert.equal(h.cloud.things.get('a')?.password, 'generated-1');
    assert.equal(h.secret()?.data.password, 'generated-1');
  });

  it('all four behave as Full', async () => {
    const h = harness({ managementPolicies: ['Observe', 'Create', 'Update', 'Delete'], size: 2 });
    await h.pass();
    h.cloud.things.set('a', { size: 5, mark: MARK });
    await h.pass();
    assert.equal(h.cloud.things.get('a')?.size, 2, 'corrected');
  });

  it('with ObserveOnly or Plan the list is refused, not silently dropped', async () => {
    for (const managementPolicy of ['ObserveOnly', 'Plan']) {
      const h = harness({ managementPolicy, managementPolicies: ['Observe', 'Create'] });
      await h.pass();
      assert.equal(h.condition('Degraded')?.reason, Reason.InvalidSpec, managementPolicy);
      assert.deepEqual(h.cloud.calls, [], managementPolicy);
    }
  });

  it('the schema asks for Observe, once each', () => {
    assert.ok(!Spec.safeParse({ providerConfigRef: { name: 'pc' }, managementPolicies: ['Create'] }).success);
    assert.ok(!Spec.safeParse({ providerConfigRef: { name: 'pc' }, managementPolicies: ['Observe', 'Observe'] }).success);
  });

  it("the config's grant still caps what the list allows", async () => {
    const h = harness({ managementPolicies: ['Observe', 'Create'] }, { admission: new TerminalError(Reason.NotGranted, 'not granted to ns') });
    await h.pass();
    assert.equal(h.condition('Degraded')?.reason, Reason.NotGranted);
    assert.deepEqual(h.cloud.calls, []);
    const adoption = harness({ managementPolicies: ['Observe', 'Create', 'Update'], adopt: true, size: 1 }, { admission: { adoption: false } });
    adoption.cloud.things.set('a', { size: 1 });
    await adoption.pass();
    assert.equal(adoption.condition('Degraded')?.reason, Reason.AdoptionNotGranted);
    assert.equal(adoption.cloud.things.get('a')?.mark, undefined);
  });
});

describe('references to other assets of the kind', () => {
  const kind = { assetReferences: (spec: Spec) => (spec.externalName ? [] : [{ field: 'spec.target', externalName: 'logs' }]) };

  it('a target this namespace manages passes', async () => {
    const h = harness({ size: 2 }, { kind, claimants: { logs: { namespace: 'ns', name: 'logs', ready: true } } });
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  it('the object itself may be its own target before it is Ready', async () => {
    const h = harness({ size: 2 }, { kind, claimants: { logs: { namespace: 'ns', name: 'a', ready: false } } });
    await h.pass();
    assert.equal(h.condition('Ready')?.status, 'True');
  });

  const cases = [
    ['another namespace manages', { logs: { namespace: 'other-team', name: 'logs', ready: true } }],
    ['nobody manages', {}],
    ['this namespace claims but has not found marked as its own (a name claimed first)', { logs: { namespace: 'ns', name: 'logs', ready: false } }],
  ] as const;
  for (const [what, claimants] of cases) {
    it(`a target ${what} is refused before any cloud call, naming no other namespace`, async () => {
      const h = harness({ size: 2 }, { kind, claimants });
      await h.pass();
      assert.equal(h.condition('Degraded')?.reason, Reason.ReferenceNotOwned);
      assert.doesNotMatch(must(h.condition('Degraded')).message, /other-team/);
      assert.deepEqual(h.cloud.calls, []);
    });
  }
});

describe('the per-object reconcile interval', () => {
  const interval: IntervalBounds = { minMs: 60_000, maxMs: 3_600_000, jitter: (ms) => ms };
  const annotated = (value: string) => {
    const h = harness({ size: 2 }, { interval });
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { 'mooring.dev/reconcile-interval': value } } };
    return h;
  };

  it('takes the interval asked for within the bounds', async () => {
    assert.deepEqual(await annotated('10m').pass(), { outcome: 'done', resyncAfterMs: 600_000 });
    assert.deepEqual(await annotated('120').pass(), { outcome: 'done', resyncAfterMs: 120_000 }, 'seconds, as Config Connector writes them');
  });

  it('raises one under the minimum and says so in a Warning', async () => {
    const h = annotated('1s');
    assert.deepEqual(await h.pass(), { outcome: 'done', resyncAfterMs: 60_000 });
    assert.ok(h.events.includes('Warning/ReconcileIntervalClamped'));
    assert.ok(h.eventMessages.some((m) => /under the operator's minimum/.test(m)));
  });

  it('cuts one over the maximum, and ignores one that is no duration', async () => {
    assert.deepEqual(await annotated('48h').pass(), { outcome: 'done', resyncAfterMs: 3_600_000 });
    const h = annotated('often');
    assert.deepEqual(await h.pass(), { outcome: 'done', resyncAfterMs: 300_000 }, 'the resync period');
    assert.ok(h.events.includes('Warning/ReconcileIntervalInvalid'));
  });

  it('asks the account\'s read budget for the next check at the interval, when the account is known', async () => {
    const checks: (ResyncCheck | undefined)[] = [];
    const h = harness({ size: 2 }, { interval, resyncAccount: () => 'acct', resyncChecks: checks });
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { 'mooring.dev/reconcile-interval': '1s' } } };
    assert.deepEqual(await h.pass(), { outcome: 'done', resyncAfterMs: 300_000 }, 'what the budget says');
    assert.deepEqual(checks, [{ account: 'acct', phaseKey: 'u1', everyMs: 60_000 }]);
  });

  it('bounds a refusal\'s resync too', async () => {
    const h = harness({ size: 0 }, { interval });
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { 'mooring.dev/reconcile-interval': '0.5' } } };
    const result = await h.pass();
    assert.equal(result.outcome, 'terminal');
    assert.equal((result as { resyncAfterMs: number }).resyncAfterMs, 60_000);
  });
});

/** References read from maps: ConfigMap and Secret keys by `namespace/name`, dependants by `namespace/name`. */
function fakeReferences(data: { configMaps?: Record<string, Record<string, string>>; secrets?: Record<string, Record<string, string>>; refusedSecrets?: string[]; dependants?: string[]; cycle?: string[] }): ReferenceSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    managed: () => undefined,
    key: async (kind, namespace, name, key) => {
      asked.push(`${kind}/${namespace}/${name}`);
      if (kind === 'Secret' && data.refusedSecrets?.includes(`${namespace}/${name}`)) return { refused: `Secret/${name} is not labelled` };
      const value = (kind === 'ConfigMap' ? data.configMaps : data.secrets)?.[`${namespace}/${name}`]?.[key];
      return value === undefined ? { missing: `${kind}/${name} does not exist in this namespace` } : { value };
    },
    cycle: () => data.cycle,
    dependantsOf: () => data.dependants ?? [],
  };
}

describe('ManagedReconciler: references', () => {
  const kind = { references: ['labelFrom'] };

  it('waits with ReferenceNotReady, naming what for, and makes no cloud call', async () => {
    const refs = fakeReferences({});
    const h = harness({ labelFrom: { configMapKeyRef: { name: 'net', key: 'label' } } }, { kind, references: refs });
    const result = await h.pass();
    assert.deepEqual(h.cloud.calls, [], 'no cloud call before the value is known');
    assert.equal(result.outcome, 'pending');
    assert.equal(h.condition('Progressing')?.reason, Reason.ReferenceNotReady);
    assert.equal(h.condition('Ready')?.status, 'False');
    assert.match(h.condition('Ready')?.message ?? '', /labelFrom \(ConfigMap\/net key label\): ConfigMap\/net does not exist/);
    assert.deepEqual(refs.asked, ['ConfigMap/ns/net'], 'read in the object\'s own namespace only');
  });

  it('gives the adapter the resolved value, checked by the spec\'s rules', async () => {
    const h = harness({ managementPolicy: 'Plan', labelFrom: { configMapKeyRef: { name: 'net', key: 'label' } } }, { kind, references: fakeReferences({ configMaps: { 'ns/net': { label: 'from.configmap' } } }) });
    await h.pass();
    const fields = h.object.status?.plan?.[0]?.fields ?? [];
    assert.deepEqual(fields.find((f) => f.path === 'label'), { path: 'label', new: '"from.configmap"' });
    assert.ok(!fields.some((f) => f.path.startsWith('labelFrom')), 'the reference is replaced by its value');
    const bad = harness({ labelFrom: { configMapKeyRef: { name: 'net', key: 'label' } } }, { kind, references: fakeReferences({ configMaps: { 'ns/net': { label: 'NOT VALID' } } }) });
    await bad.pass();
    assert.equal(bad.condition('Degraded')?.reason, Reason.InvalidSpec);
    assert.deepEqual(bad.cloud.calls, []);
  });

  it('never shows a value read from a Secret: plans, status and Events say [redacted]', async () => {
    const secret = 'very.secret.value';
    const h = harness({ managementPolicy: 'Plan', labelFrom: { secretKeyRef: { name: 'creds', key: 'label' } } }, { kind, references: fakeReferences({ secrets: { 'ns/creds': { label: secret } } }) });
    await h.pass();
    assert.deepEqual(h.object.status?.plan?.[0]?.fields.find((f) => f.path === 'label'), { path: 'label', new: JSON.stringify(REDACTED) });
    assert.ok(!JSON.stringify(h.object.status).includes(secret), 'nowhere in status');
    assert.ok(!h.eventMessages.join('\n').includes(secret), 'nowhere in Events');
  });

  it('admits the spec with its references resolved, telling admit which values a Secret gave (a refusal must not echo them)', async () => {
    const admitted: Requester[] = [];
    const h = harness({ labelFrom: { secretKeyRef: { name: 'creds', key: 'label' } } }, { kind, admitted, references: fakeReferences({ secrets: { 'ns/creds': { label: 'from.secret' } } }) });
    await h.pass();
    assert.equal((admitted[0]?.spec as { label?: string }).label, 'from.secret');
    assert.deepEqual(admitted[0]?.secretPaths, ['label']);
  });

  it('refuses a Secret that did not opt in with ReferenceNotPermitted: no cloud call, polled for the label', async () => {
    const h = harness({ labelFrom: { secretKeyRef: { name: 'db-admin', key: 'password' } } }, { kind, references: fakeReferences({ refusedSecrets: ['ns/db-admin'] }) });
    const result = await h.pass();
    assert.deepEqual(h.cloud.calls, []);
    assert.equal(result.outcome, 'waiting', 'looked at again at the steady poll: nothing watches the Secret\'s labels');
    assert.equal(h.condition('Degraded')?.reason, Reason.ReferenceNotPermitted);
    assert.equal(h.condition('Degraded')?.message, 'may not read labelFrom (Secret/db-admin key password): Secret/db-admin is not labelled');
    assert.ok(h.events.includes('Warning/ReferenceNotPermitted'));
  });

  it('refuses a cycle with ReferenceCycle instead of waiting on it', async () => {
    const h = harness({ labelFrom: { resourceFieldRef: { kind: 'DNSRecord', name: 'b', field: 'fqdn' } } }, { kind, references: fakeReferences({ cycle: ['Thing/a', 'DNSRecord/b'] }) });
    const result = await h.pass();
    assert.equal(result.outcome, 'terminal');
    assert.equal(h.condition('Degraded')?.reason, Reason.ReferenceCycle);
    assert.match(h.condition('Degraded')?.message ?? '', /Thing\/a → DNSRecord\/b → Thing\/a/);
    assert.deepEqual(h.cloud.calls, []);
  });

  it('holds the delete of a referenced object with InUse, naming the dependants, until they go or the annotation says so', async () => {
    const refs = fakeReferences({ dependants: ['DNSRecord/www'] });
    const h = harness({ size: 1 }, { references: refs });
    await h.pass();
    assert.ok(h.cloud.things.has('a'));
    h.object = { ...h.object, metadata: { ...h.object.metadata, deletionTimestamp: new Date().toISOString() } };
    h.cloud.calls.length = 0;
    const held = await h.pass();
    assert.equal(held.outcome, 'pending');
    assert.equal(h.condition('Progressing')?.reason, Reason.InUse);
    assert.match(h.condition('Ready')?.message ?? '', /referenced by DNSRecord\/www/);
    assert.deepEqual(h.cloud.calls, [], 'nothing deleted in the cloud');
    assert.ok(h.object.metadata.finalizers?.includes(FINALIZER), 'the finalizer waits');
    h.object = { ...h.object, metadata: { ...h.object.metadata, annotations: { ...h.object.metadata.annotations, [DELETE_WHILE_REFERENCED]: 'true' } } };
    await h.pass();
    assert.ok(!h.cloud.things.has('a'), 'deleted anyway once the user says so');
    assert.ok(!h.object.metadata.finalizers?.includes(FINALIZER));
  });
});
