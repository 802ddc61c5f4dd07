// The generic managed reconciler: one object, one pass, level-based. It owns finalizers,
// conditions, events, ownership decisions and rate limits; the adapter owns only the cloud.
//
// parse → deleting? → resolve (admit, provider) → connection Secret → connect → observe →
// ownership → create | set credentials | update | nothing → publish the Secret → status (written
// only when it changed) → the result, which says when to look again (src/reconcile/retry.ts).
// Each phase of the pass is a type (src/reconcile/pass.ts); failures end it as values.
import { randomBytes } from 'node:crypto';
import type { Observation, Pending } from '../../sdk/index.ts';
import { TerminalError, isQueued, type WriteQueued } from '../../sdk/index.ts';
import type { Limits } from '../limits/index.ts';
import { isSecretKey, REDACTED, scrubber as processScrubber, type SecretScrubber } from '../runtime/scrub.ts';
import { degraded, progressing, ready, type Outcome } from './conditions.ts';
import { AdapterCalls } from './calls.ts';
import { ConnectionSecret } from './connection.ts';
import type { CallDeadlines } from './deadline.ts';
import { specKeepingIgnored, withoutIgnored } from './drift.ts';
import { kubeStatus } from '../runtime/apiserver-errors.ts';
import { classify, invalidSpec } from './errors.ts';
import { HeldClaims } from './held-claims.ts';
import { MarkSigner } from './marks.ts';
import { Ownership, type Refusal } from './ownership.ts';
import { advance, type Connected, type Loaded, type Observed, type Parsed, type Pass, type Resolved } from './pass.ts';
import { PendingMarkSigner } from './pending.ts';
import { chooseInterval, jittered, type IntervalBounds } from './interval.ts';
import { allowedActions, checkPolicies, narrowed, policyLabel } from './policies.ts';
import { planCalls, summarize } from './plan.ts';
import { DELETE_WHILE_REFERENCED, isSecretPath, resolveReferences, type ReferenceSource } from './references.ts';
import { formatIssues } from '../api/issues.ts';
import { publishExport, type ConfigMapStore } from './exports.ts';
import { EventReason, Reason } from './reasons.ts';
import { pendingPollMs, POLL_DEFAULTS, USER_WAIT_POLL_MS, WAITS_ON_USER, type ReconcileResult, type Reconciler } from './retry.ts';
import { convergedGeneration, PassStatus } from './status.ts';
import {
  CREATE_PENDING,
  type CallObserver,
  FINALIZER,
  type ClaimIndex,
  type EventSink,
  type Logger,
  type ManagedKind,
  type ManagedObject,
  type ManagedSpecBase,
  type ObjectWriter,
  type ProviderResolver,
  type ResyncCheck,
  type SecretStore,
} from './types.ts';

export interface ReconcilerDeps<Spec extends ManagedSpecBase> {
  kind: ManagedKind<Spec>;
  writer: ObjectWriter;
  /** Connection Secrets; kinds that never name one work without it. */
  secrets?: SecretStore;
  events: EventSink;
  providers: ProviderResolver;
  claims: ClaimIndex;
  limits: Limits;
  log: Logger;
  /**
   * The next resync delay: with the check's account, at the object's phase under the account's
   * read budget (src/limits/resync.ts); without (the account unknown), the jittered period.
   */
  resyncMs: (check?: ResyncCheck) => number;
  /** Bounds on the per-object interval (annotation mooring.dev/reconcile-interval); unset: the annotation is ignored. */
  interval?: IntervalBounds;
  /** How soon to look again while something is in progress (default 1 s). */
  pollMs?: number;
  /** Told of every adapter call (metrics); optional. */
  calls?: CallObserver;
  /** The deadline of every adapter call (default 60 s, 300 s for delete; never aborted by a stop). */
  deadlines?: CallDeadlines;
  /** Generated credential values (default 24 random bytes, URL-safe base64). */
  generateSecret?: () => string;
  /** The longest wait between looks while the adapter reports the thing pending (default 30 s). */
  maxPollMs?: number;
  /** The steady poll of a state that waits on the user, such as BucketNotEmpty (default 30 s, retry.ts). */
  userWaitPollMs?: number;
  /**
   * Whether the kind's CRD is being deleted (an uninstall), asked live before every cloud delete:
   * then objects are let go and nothing is deleted in the cloud (docs/uninstall.md). Unset: never.
   */
  uninstalling?: () => Promise<boolean>;
  /** Secret values to learn and to replace in status (default: the process's scrubber). */
  scrubber?: SecretScrubber;
  /**
   * Signs and checks the pending-create mark, so only the operator can write one (default: a key
   * made for this process, so marks do not outlive it: a crash then leaves NotOwned, never a takeover).
   */
  pendingMark?: PendingMarkSigner;
  /**
   * Hashes Hashed ownership marks (spec.ownershipMarks), with the operator's persistent key
   * (default: none, so a config asking for Hashed marks is refused with MarkKeyUnavailable).
   */
  markSigner?: MarkSigner;
  /** The values of `<field>From` references (the operator's caches); unset: a spec with one is refused. */
  references?: ReferenceSource;
  /** Exported ConfigMaps (spec.exportTo); unset: a spec naming one is refused. */
  configMaps?: ConfigMapStore;
  now?: () => Date;
}

export class ManagedReconciler<Spec extends ManagedSpecBase> implements Reconciler {
  private readonly deps: ReconcilerDeps<Spec>;
  private readonly scrubber: SecretScrubber;
  /** Events claiming a write the adapter only queued, until an observe bears them out. */
  private readonly held = new HeldClaims();
  /**
   * Objects (by uid) last found carrying their legacy mark: their next observe starts with it, so
   * a migrated asset costs one observe a pass, and a second one only after a restart.
   */
  private readonly legacyMarked = new Set<string>();
  private readonly ownership: Ownership<Spec>;
  private readonly status: PassStatus;
  private readonly calls: AdapterCalls<Spec>;
  private readonly pollMs: number;

  constructor(deps: ReconcilerDeps<Spec>) {
    this.deps = deps;
    this.scrubber = deps.scrubber ?? processScrubber;
    this.pollMs = deps.pollMs ?? POLL_DEFAULTS.pollMs;
    const pendingMark = deps.pendingMark ?? new PendingMarkSigner(randomBytes(32));
    const markSigner = deps.markSigner ?? new MarkSigner();
    this.ownership = new Ownership({ kind: deps.kind, claims: deps.claims, providers: deps.providers, markSigner, pendingMark });
    this.status = new PassStatus({ writer: deps.writer, events: deps.events, scrubber: this.scrubber, now: deps.now });
    this.calls = new AdapterCalls({ kind: deps.kind.kind, limits: deps.limits, deadlines: deps.deadlines, calls: deps.calls });
  }

  async reconcile(object: ManagedObject, log: Logger = this.deps.log): Promise<ReconcileResult> {
    const pass: Pass = { object, log };
    try {
      const declared = advance(pass, { spec: this.parse(object) });
      if (object.metadata.deletionTimestamp) return await this.finalize(declared);
      const parsed = await this.dereference(declared);
      if (parsed.waiting) return await this.poll(pass, progressing(Reason.ReferenceNotReady, `waiting for ${parsed.waiting.join('; ')}`), this.deps.maxPollMs ?? POLL_DEFAULTS.maxPollMs);
      const loaded = await this.loadSecret(await this.resolve(parsed));
      return await this.connected(loaded, (connected) => this.converge(connected));
    } catch (err) {
      // The pass's phases all extend `pass`: the failure is reported on the object as last written.
      return this.fail(pass, err);
    }
  }

  /** The Full, ObserveOnly and Plan paths, from the first observe on. */
  private async converge(connected: Connected<Spec>): Promise<ReconcileResult> {
    // The finalizer goes on before the first cloud write (with a create's pending mark, in one
    // request), not before the first read: an object whose observe fails has nothing to clean up.
    checkPolicies(connected.spec);
    const pass = this.ignoring(await this.observe(connected));
    const { observation, spec } = pass;
    if (spec.managementPolicy === 'ObserveOnly') return this.observeOnly(pass);
    const refusal = this.refusalBeforeAnyWrite(pass);
    if (refusal) return this.refuse(pass, { outcome: refusal });
    if (spec.managementPolicy === 'Plan') return this.plan(pass);
    if (observation.pending) return this.wait(pass, observation.pending);
    // Under a narrowed managementPolicies, a step it leaves out is reported as ObserveOnly would.
    const may = allowedActions(spec);
    if (!observation.exists) return may.has('Create') ? this.create(pass) : this.observeOnly(pass);
    if (!may.has('Update') && !(this.ownership.isMarkedOurs(pass, observation) && observation.upToDate)) return this.observeOnly(pass);
    if (!this.ownership.isMarkedOurs(pass, observation)) return this.adopt(pass);
    await this.ensureFinalizer(pass);
    // Setting credentials on the existing thing (a rotation, lost values) is an update.
    const credentials = may.has('Update') ? await this.prepareCredentials(pass, true) : undefined;
    if (credentials) return this.setCredentials(pass, credentials);
    if (!observation.upToDate) return this.update(pass);
    return this.available(pass);
  }

  /** Someone else's thing, or a name an older object claims: left alone, before any write. */
  private refusalBeforeAnyWrite(pass: Observed<Spec>): Outcome | undefined {
    const { observation } = pass;
    const notOurs = observation.exists ? this.ownership.ownershipRefusal(pass, observation) : undefined;
    if (notOurs) return notOurs;
    if (observation.exists && this.ownership.isMarkedOurs(pass, observation)) return undefined;
    return this.ownership.claimRefusal(pass, pass.resource.externalName);
  }

  /** An unmarked thing this object may take: refused before the finalizer, else updated to carry our mark. */
  private async adopt(pass: Observed<Spec>): Promise<ReconcileResult> {
    // Refused before the finalizer: an adoption that may not happen leaves nothing to clean up.
    const credentials = this.ownership.adoptionCredentialsRefusal(pass);
    if (credentials) return this.refuse(pass, { outcome: credentials });
    const changes = this.ownership.adoptionChangesRefusal(pass, pass.observation);
    if (changes) return this.refuse(pass, changes);
    await this.ensureFinalizer(pass);
    // An adopted thing gets generated credentials too: update may need them (a role to re-create).
    await this.prepareCredentials(pass, true);
    const { resource, observation } = pass;
    const adopted = await this.calls.call(pass, 'update', (c) => c.update(resource, observation));
    this.claim(pass, adopted, EventReason.Adopted, `adopted the existing ${this.deps.kind.kind.toLowerCase()} ${resource.externalName} and marked it as ours`);
    return this.verify(pass, progressing(Reason.Updating, 'adopted; checking the result'));
  }

  /** Ours and not up to date: converged, with drift reported first when the cloud changed behind our back. */
  private async update(pass: Observed<Spec>): Promise<ReconcileResult> {
    const { resource, observation } = pass;
    // This generation was already applied and seen up to date: then the cloud changed behind
    // our back. Not observedGeneration: a failed pass writes that too, without applying anything.
    const drift = convergedGeneration(pass.object) === pass.object.metadata.generation;
    if (drift) await this.status.reportDrift(pass, observation);
    const updated = await this.calls.call(pass, 'update', (c) => c.update(resource, observation));
    const fields = (observation.diff ?? []).map((d) => d.path).join(', ') || 'settings';
    this.claim(pass, updated, drift ? EventReason.DriftCorrected : EventReason.Updated, `converged ${fields}`);
    return this.verify(pass, progressing(Reason.Updating, `converging ${fields}`));
  }

  /**
   * spec.ignoreChanges: the differences there are dropped before anything acts on them, and the
   * adapter is given a spec holding their live values.
   */
  private ignoring(pass: Observed<Spec>): Observed<Spec> {
    const ignore = pass.spec.ignoreChanges;
    pass.resource.spec = specKeepingIgnored(pass.resource.spec, pass.observation.diff, ignore);
    pass.observation = redactedDiff(withoutIgnored(pass.observation, ignore), pass.references?.secretPaths ?? []);
    return pass;
  }

  /** managementPolicy Plan: what Full would call, into status.plan; nothing is called. */
  private async plan(pass: Observed<Spec>): Promise<ReconcileResult> {
    const { observation, resource } = pass;
    const adopting = observation.exists && !this.ownership.isMarkedOurs(pass, observation);
    const spec = redactedSpec(resource.spec as Record<string, unknown>, pass.references?.secretPaths ?? []);
    const plan = planCalls({ observation, spec, adopting, ownershipMark: resource.ownershipMark });
    pass.plan = plan;
    this.status.reportOnly(pass, observation, 'Plan');
    return this.done(pass, ready(Reason.Planned, summarize(plan)));
  }

  /** Up to date and ours: publish the connection details, clear the pending create, Ready. */
  private async available(pass: Observed<Spec>): Promise<ReconcileResult> {
    // An adoption (or a crashed create taken back) may leave the Secret's values unset in the
    // cloud: never Ready on a Secret that cannot log in.
    if (pass.secret?.pending) return this.setCredentials(pass, pass.secret);
    this.status.inSync(pass, true);
    pass.converged = true;
    pass.checked = true;
    await pass.secret?.publish(pass.observation.connectionDetails);
    await this.publishExport(pass);
    // A v2 pending mark needs no write: the status's lastChecked, written with Ready, voids it
    // (pending.ts). A v1 mark is removed, beside the status (independent writes: either may fail
    // alone; the next pass finds the thing ours and writes again).
    const [result] = await Promise.all([this.done(pass, ready()), this.ownership.hasLegacyPendingMark(pass.object) ? this.clearPending(pass) : undefined]);
    return result;
  }

  /**
   * Observes again right after a write: a cloud that applied it at once is Ready in this pass,
   * without a trip through the queue; one that is still settling is polled.
   */
  private async verify(pass: Observed<Spec>, meanwhile: Outcome): Promise<ReconcileResult> {
    pass.observation = await this.observeOnce(pass);
    this.ignoring(pass);
    const { observation } = pass;
    pass.atProvider = observation.atProvider;
    this.bearOut(pass, observation);
    if (observation.pending) return this.wait(pass, observation.pending);
    const visible = observation.exists && this.ownership.isMarkedOurs(pass, observation);
    if (visible && observation.upToDate) return this.available(pass);
    return this.poll(pass, meanwhile, this.pollMs);
  }

  /**
   * The spec's references (`<field>From`) resolved in the object's own namespace, before any Secret
   * read or cloud call, and the result checked by the same rules as a literal spec. Waiting: what
   * for (no value in the message). A cycle is refused, never waited on.
   */
  private async dereference(pass: Parsed<Spec>): Promise<Parsed<Spec> & { waiting?: string[] }> {
    const paths = this.deps.kind.references ?? [];
    const { object } = pass;
    const { namespace, name } = object.metadata;
    const cycle = paths.length ? this.deps.references?.cycle?.(this.deps.kind.kind, namespace, name) : undefined;
    if (cycle) throw new TerminalError(Reason.ReferenceCycle, `the references form a cycle: ${[...cycle, cycle[0]].join(' → ')}; no value can be known first. Remove one of them`);
    const resolution = await this.resolution(pass.spec as Record<string, unknown>, paths, namespace);
    if (!resolution) return pass;
    // A refusal first: waiting on a value that may never be read would hide why.
    if (!resolution.ok && resolution.refused.length) throw new TerminalError(Reason.ReferenceNotPermitted, `may not read ${resolution.refused.join('; ')}`);
    if (!resolution.ok) return Object.assign(pass, { waiting: resolution.waiting });
    const checked = this.deps.kind.spec.safeParse(resolution.spec);
    // The rules' messages name the field and the rule, never the value (a Secret's, perhaps).
    if (!checked.success) throw new TerminalError(Reason.InvalidSpec, `a referenced value is invalid: ${formatIssues(checked.error.issues, 'spec')}`);
    return advance(pass, { spec: checked.data, references: { values: resolution.values, secretPaths: resolution.secretPaths } });
  }

  private async resolution(spec: Record<string, unknown>, paths: readonly string[], namespace: string) {
    const from = this.deps.references;
    const resolution = paths.length && from ? await resolveReferences(spec, paths, namespace, from) : undefined;
    if (resolution?.ok && resolution.values.length === 0) return undefined;
    if (!resolution && paths.some((p) => p.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], spec) !== undefined)) {
      throw new TerminalError(Reason.InvalidSpec, 'the spec has references (…From) and this reconciler reads none');
    }
    return resolution;
  }

  private parse(object: ManagedObject): Spec {
    const parsed = this.deps.kind.spec.safeParse(object.spec ?? {});
    if (!parsed.success) throw invalidSpec(parsed.error.issues);
    // A name derived from metadata.name stands for a spec field and passes its rules. The CRD
    // checks that at create; this catches objects made before the rule. Not on delete: what such
    // an object may have made is still cleaned up.
    const names = object.metadata.deletionTimestamp ? [] : (this.deps.kind.nameProblems?.(object.metadata.name, parsed.data) ?? []);
    if (names.length) throw new TerminalError(Reason.InvalidSpec, `the name is invalid: ${names.join('; ')}; recreate the object under another name, or with the spec field set`);
    return parsed.data;
  }

  private externalName(object: ManagedObject, spec: Spec): string {
    return this.deps.kind.externalName?.(object, spec) ?? spec.externalName ?? object.metadata.name;
  }

  /** Admits the object to its ProviderConfig, finds the provider, and builds what the adapter is given. */
  private async resolve(pass: Parsed<Spec>): Promise<Resolved<Spec>> {
    const { object, spec } = pass;
    const pc = spec.providerConfigRef.name;
    // Before any Secret read or cloud call: the namespace's grant, and (unless deleting) the policy.
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const requester = { namespace: object.metadata.namespace, kind: this.deps.kind.kind, spec: deleting ? undefined : spec, secretPaths: pass.references?.secretPaths };
    const admission = this.deps.providers.admit(pc, requester);
    if (!deleting) this.checkReferences(object, spec, pc);
    const { connection, connector } = await this.deps.providers.resolve(pc, this.deps.kind.kind);
    const marks = this.ownership.marksOf(object, pc);
    const resource = {
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
      generation: object.metadata.generation,
      spec,
      externalName: this.externalName(object, spec),
      ownershipMark: marks.legacy && this.legacyMarked.has(object.metadata.uid) ? marks.legacy : marks.current,
      recorded: object.status?.atProvider,
    };
    return advance(pass, { admission, provider: connection.type, connection, connector, marks, resource });
  }

  /**
   * Another asset the spec points at (a bucket's log target) must be managed from this namespace:
   * its oldest claimant through the same config lives here. Before any cloud call, like admit.
   */
  private checkReferences(object: ManagedObject, spec: Spec, pc: string): void {
    for (const ref of this.deps.kind.assetReferences?.(spec) ?? []) {
      const owner = this.deps.claims.claimant?.(this.deps.kind.kind, pc, ref.externalName);
      const here = owner?.namespace === object.metadata.namespace;
      // Claimed is not enough (a name anyone may claim first): the claimant must have found the
      // asset marked as its own. The object itself needs no proof: its own pass refuses a bucket not ours.
      if (here && (owner.ready || owner.name === object.metadata.name)) continue;
      const who = here
        ? `is claimed by ${this.deps.kind.kind} ${owner.name} of this namespace, not (yet) Ready with the asset marked as its own`
        : owner
          ? 'is managed from another namespace'
          : `is managed by no ${this.deps.kind.kind} through ProviderConfig ${pc}`;
      throw new TerminalError(
        Reason.ReferenceNotOwned,
        `${ref.field}: ${ref.externalName} ${who}; it must be one this namespace manages (a ${this.deps.kind.kind} in ${object.metadata.namespace} with ProviderConfig ${pc})`,
      );
    }
  }

  /** Reads the connection Secret, when the spec names one or the kind has a default name. */
  private async loadSecret(pass: Resolved<Spec>): Promise<Loaded<Spec>> {
    const { object, spec, resource } = pass;
    const policy = this.deps.kind.connectionSecret;
    const name = spec.writeConnectionSecretToRef?.name ?? policy?.defaultName?.(object.metadata.name);
    if (!name) return advance(pass, { secret: undefined });
    if (!this.deps.secrets) throw new Error(`no Secret store: cannot write the connection Secret ${name}`);
    const legacy = pass.marks.legacy;
    const secret = await ConnectionSecret.load({
      store: this.deps.secrets,
      object,
      name,
      ownershipMark: resource.ownershipMark,
      ...(legacy ? { acceptedMarks: [legacy] } : {}),
      predecessor: predecessorOf(resource.ownershipMark, object.metadata.uid),
      generatedKeys: policy?.generatedKeys?.(spec) ?? [],
      ...(this.deps.generateSecret ? { generate: this.deps.generateSecret } : {}),
      scrubber: this.scrubber,
    });
    resource.connectionSecret = secret.data;
    return advance(pass, { secret });
  }

  /** spec.exportTo: the status fields others may reference, into the ConfigMap this object owns. */
  private async publishExport(pass: Observed<Spec>): Promise<void> {
    const name = pass.spec.exportTo?.name;
    if (!name) return;
    if (!this.deps.configMaps) throw new Error(`no ConfigMap store: cannot write the exported ConfigMap ${name}`);
    await publishExport(this.deps.configMaps, pass.object, name, pass.atProvider ?? pass.object.status?.atProvider);
  }

  /** Connects, runs `fn` with the client, and disconnects however `fn` ends. */
  private async connected<T>(pass: Loaded<Spec>, fn: (pass: Connected<Spec>) => Promise<T>): Promise<T> {
    const client = await this.calls.connect(pass);
    try {
      return await fn(advance(pass, { client }));
    } finally {
      await client.disconnect().catch(() => undefined);
    }
  }

  /** Observes the thing; again with the object's other acceptable mark when the thing carries that one. */
  private async observe(pass: Connected<Spec>): Promise<Observed<Spec>> {
    const { object, marks, resource } = pass;
    let observation = await this.observeOnce(pass);
    // The asset carries the object's other acceptable mark: observed again with that one, since
    // an adapter may read more of what it finds ours (a database's grants, a role's privileges).
    const other = resource.ownershipMark === marks.current ? marks.legacy : marks.current;
    if (other !== undefined && observation.ownershipMark === other) {
      resource.ownershipMark = other;
      if (other === marks.legacy) this.legacyMarked.add(object.metadata.uid);
      else this.legacyMarked.delete(object.metadata.uid);
      observation = await this.observeOnce(pass);
    }
    pass.atProvider = observation.atProvider;
    this.bearOut(pass, observation);
    return advance(pass, { observation });
  }

  private async observeOnce(pass: Connected<Spec>): Promise<Observation<Record<string, unknown>>> {
    return this.learn(pass, await this.calls.call(pass, 'observe', (c) => c.observe(pass.resource)));
  }

  /**
   * The connection details built from a generated value (a URI holding the password) are scrubbed
   * from now on, whole. Nothing else an adapter reports is learnt: details echo tenant input (a
   * username, a database name, a password the tenant wrote into its own Secret), and learning
   * those would let a tenant choose what vanishes from everyone's messages.
   */
  private learn<O extends Observation<Record<string, unknown>>>(pass: Loaded<Spec>, observation: O): O {
    const generated = pass.secret?.generatedValues() ?? [];
    if (!generated.length) return observation;
    for (const [key, value] of Object.entries(observation.connectionDetails ?? {})) {
      if (isSecretKey(key) && generated.some((g) => value.includes(g) || value.includes(encodeURIComponent(g)))) this.scrubber.rememberGenerated(pass.object.metadata.namespace, value);
    }
    return observation;
  }

  /**
   * Generated credentials missing, or a rotation due: new values go into the Secret (pending)
   * before any cloud call uses them. Returns the Secret when values wait to be set in the cloud.
   */
  private async prepareCredentials(pass: Loaded<Spec>, exists: boolean): Promise<ConnectionSecret | undefined> {
    const { secret } = pass;
    if (!secret) return undefined;
    await secret.prepare(exists);
    pass.resource.connectionSecret = secret.data;
    return secret.pending ? secret : undefined;
  }

  /** Sets the Secret's pending values on the existing thing, then clears the pending mark. */
  private async setCredentials(pass: Observed<Spec>, secret: ConnectionSecret): Promise<ReconcileResult> {
    const cause = secret.pending;
    if (!pass.client.setCredentials) {
      throw new TerminalError(Reason.ProviderError, `the provider's ${this.deps.kind.kind} adapter cannot set credentials (it has no setCredentials)`);
    }
    const { resource, observation } = pass;
    await this.calls.call(pass, 'setCredentials', async (c) => c.setCredentials?.(resource, observation));
    await secret.applied();
    if (cause !== 'create') {
      const why = cause === 'rotate' ? 'a rotation was requested' : 'the connection Secret had lost them';
      // Never the value: only that it changed and where it is.
      this.deps.events.event(pass.object, 'Normal', EventReason.CredentialsRotated, `set new credentials (${why}); the Secret ${secret.name} holds them`);
    }
    return this.poll(pass, progressing(Reason.Updating, 'credentials set; checking the result'), this.pollMs);
  }

  /**
   * Work under way (ours or the cloud's): report what the adapter says, touch nothing, look again.
   * What the cloud already tells of a thing of ours (an endpoint) is published meanwhile.
   */
  private async wait(pass: Observed<Spec>, pending: Pending): Promise<ReconcileResult> {
    const { observation } = pass;
    if (observation.exists && this.ownership.isMarkedOurs(pass, observation)) await pass.secret?.publish(observation.connectionDetails);
    return this.poll(pass, progressing(Reason[pending.reason], pending.message), this.waitPollMs(pass, pending), pending.until);
  }

  /**
   * An Event claiming a write: at once when the call made it; held when the adapter only queued it
   * (SDK 1.4), until an observe reports it taken or shows the thing as wanted (HeldClaims).
   */
  private claim(pass: Pass, result: void | Observation | WriteQueued, reason: string, message: string): void {
    if (isQueued(result)) this.held.hold(pass.object.metadata.uid, { reason, message, object: pass.object });
    else this.deps.events.event(pass.object, 'Normal', reason, message);
  }

  /** The held claim an observation bears out, as its Event. */
  private bearOut(pass: Resolved<Spec>, observation: Observation): void {
    const claim = this.held.settle(pass.object.metadata.uid, observation, this.ownership.isMarkedOurs(pass, observation));
    if (claim) this.deps.events.event(claim.object ?? pass.object, 'Normal', claim.reason, claim.message);
  }

  /** Our finalizer, with `annotations` in the same write when it is missing (else alone). */
  private async ensureFinalizer(pass: Parsed<Spec>, annotations?: Record<string, string>): Promise<void> {
    const finalizers = pass.object.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER) || pass.spec.managementPolicy !== 'Full') {
      if (annotations) pass.object = await this.deps.writer.setAnnotations(pass.object, annotations);
      return;
    }
    pass.object = await this.deps.writer.setFinalizers(pass.object, [...finalizers, FINALIZER], annotations);
  }

  private async create(pass: Observed<Spec>): Promise<ReconcileResult> {
    const { resource } = pass;
    // Recorded before the cloud call: a crash after the cloud's "created" leaves this mark, and
    // the next pass treats the unmarked thing of this name as ours instead of refusing it.
    await this.ensureFinalizer(pass, this.ownership.pendingCreateMark(pass.object));
    // Likewise the generated password: in the Secret before the cloud has it.
    await this.prepareCredentials(pass, false);
    const made = await this.calls.call(pass, 'create', (c) => c.create(resource));
    await pass.secret?.applied();
    this.claim(pass, made, EventReason.Created, `created ${this.deps.kind.kind.toLowerCase()} ${resource.externalName}`);
    // The adapter vouches for what it just made (the SDK contract): no read back.
    if (made && !isQueued(made) && made.exists && made.upToDate && !made.pending && this.ownership.isMarkedOurs(pass, made)) {
      pass.observation = this.learn(pass, made);
      pass.atProvider = made.atProvider;
      return this.available(pass);
    }
    return this.verify(pass, progressing(Reason.Creating, 'created; waiting to observe it configured'));
  }

  private async clearPending(pass: Pass): Promise<void> {
    pass.object = await this.deps.writer.setAnnotations(pass.object, { [CREATE_PENDING]: null });
  }

  /** ObserveOnly, or a step a narrowed managementPolicies leaves out: reported, never done. */
  private async observeOnly(pass: Observed<Spec>): Promise<ReconcileResult> {
    const { observation } = pass;
    const label = narrowed(pass.spec) ? policyLabel(pass.spec) : 'ObserveOnly';
    if (!observation.exists) {
      return this.done(pass, degraded(Reason.ExternalResourceNotFound, `${pass.resource.externalName} does not exist; ${label} never creates it.`));
    }
    // Another object's (its mark): never reported, or ObserveOnly would carry another namespace's
    // asset into this one (status, connection Secret, exports, references).
    const another = this.ownership.ownershipRefusal(pass, observation);
    if (another?.degradedReason === Reason.AlreadyOwned) return this.refuse(pass, { outcome: another });
    // Unmarked: its details are published only under ObserveOnly, as before.
    if (!narrowed(pass.spec) || this.ownership.isMarkedOurs(pass, observation)) await pass.secret?.publish(observation.connectionDetails);
    this.status.reportOnly(pass, observation, label);
    pass.checked = true;
    const unmarked = narrowed(pass.spec) && !this.ownership.isMarkedOurs(pass, observation) ? ` not marked as ours, and ${label} never adopts it (adopting writes the mark: Update);` : '';
    const drift = observation.upToDate ? '' : ` differs from the spec in ${(observation.diff ?? []).map((d) => d.path).join(', ')} (${label}: not corrected)`;
    return this.done(pass, ready(Reason.Observed, `${unmarked}${drift}`.trim()));
  }

  /** The delete path: let go in place (Retain, not Full, an uninstall), or deleted in the cloud first. */
  private async finalize(pass: Parsed<Spec>): Promise<ReconcileResult> {
    const { object, spec } = pass;
    if (!(object.metadata.finalizers ?? []).includes(FINALIZER)) return { outcome: 'done' };
    if (spec.deletionPolicy === 'Retain' || !allowedActions(spec).has('Delete')) {
      return this.letGo(pass, EventReason.Retained, `left ${this.externalName(object, spec)} in place (deletionPolicy ${spec.deletionPolicy}, ${policyLabel(spec)})`);
    }
    // Asked on every delete pass, so an uninstall also stops a delete already under way.
    if (await this.deps.uninstalling?.()) {
      await this.keepConnectionSecret(pass);
      const crd = `${this.deps.kind.plural}.mooring.dev`;
      return this.letGo(pass, EventReason.Uninstalling, `the CRD ${crd} is being deleted (an uninstall): left ${this.externalName(object, spec)} in place, with its ownership mark`);
    }
    const inUse = this.usedBy(pass);
    if (inUse.length) {
      const message = `held: referenced by ${inUse.join(', ')}; delete those first, or annotate this object ${DELETE_WHILE_REFERENCED}=true to delete it anyway`;
      return this.poll(pass, progressing(Reason.InUse, message), this.deps.maxPollMs ?? POLL_DEFAULTS.maxPollMs);
    }
    // No connection Secret on the delete path: nothing is published or generated any more.
    const loaded = advance(await this.resolve(await this.dereferenceLeniently(pass)), { secret: undefined });
    return this.connected(loaded, async (connected) => {
      let observed: Observed<Spec>;
      try {
        observed = await this.observe(connected);
      } catch (err) {
        // The name belongs to someone else (another account's bucket): nothing of ours to delete.
        if (err instanceof TerminalError && err.reason === Reason.NameTaken) return this.letGo(pass, EventReason.LeftUnowned, `${loaded.resource.externalName} belongs to someone else; left untouched`);
        throw err;
      }
      return this.deleteInCloud(observed);
    });
  }

  /** Who still references this object (not being deleted themselves), unless the user said to delete anyway. */
  private usedBy(pass: Parsed<Spec>): string[] {
    if (pass.object.metadata.annotations?.[DELETE_WHILE_REFERENCED] === 'true') return [];
    const { namespace, name } = pass.object.metadata;
    return this.deps.references?.dependantsOf?.(this.deps.kind.kind, namespace, name) ?? [];
  }

  /**
   * On the delete path, references are resolved when they can be; one that cannot (what it named
   * is gone) never holds a delete: adapters delete what they observed, and the spec keeps its
   * literal fields.
   */
  private async dereferenceLeniently(pass: Parsed<Spec>): Promise<Parsed<Spec>> {
    const paths = this.deps.kind.references ?? [];
    const from = this.deps.references;
    if (!paths.length || !from) return pass;
    const resolution = await resolveReferences(pass.spec as Record<string, unknown>, paths, pass.object.metadata.namespace, from);
    if (!resolution.ok) return pass;
    const checked = this.deps.kind.spec.safeParse(resolution.spec);
    return checked.success ? advance(pass, { spec: checked.data, references: { values: resolution.values, secretPaths: resolution.secretPaths } }) : pass;
  }

  private async deleteInCloud(pass: Observed<Spec>): Promise<ReconcileResult> {
    const { observation, resource } = pass;
    const name = resource.externalName;
    if (!observation.exists) {
      // Not "gone" while pending: a create still queued would otherwise land after the finalizer went.
      if (observation.pending) return this.poll(pass, progressing(Reason.Deleting, observation.pending.message), this.waitPollMs(pass, observation.pending), observation.pending.until);
      return this.letGo(pass, EventReason.Deleted, `${name} is gone`);
    }
    if (!this.ownership.mayTouch(pass, observation)) {
      return this.letGo(pass, EventReason.LeftUnowned, `${name} is not ours (mark: ${observation.ownershipMark ?? 'none'}); left untouched`);
    }
    const result = await this.calls.call(pass, 'delete', (c) => c.delete(resource, observation));
    if (result.done) return this.letGo(pass, EventReason.Deleted, `deleted ${name}`);
    const progress = result.progress ?? 'deletion in progress';
    pass.atProvider = { ...(pass.atProvider ?? {}), ...result.atProvider, deletion: progress };
    this.deps.events.event(pass.object, 'Normal', EventReason.DeletionProgress, progress);
    return this.poll(pass, progressing(Reason.Deleting, progress), result.requeueAfterMs ?? 0);
  }

  /** Removes our finalizer, telling why: the object goes, and nothing more is done for it. */
  private async letGo(pass: Pass, reason: string, message: string): Promise<ReconcileResult> {
    const { object } = pass;
    this.legacyMarked.delete(object.metadata.uid);
    this.deps.events.event(object, 'Normal', reason, message);
    await this.deps.writer.setFinalizers(object, (object.metadata.finalizers ?? []).filter((f) => f !== FINALIZER));
    return { outcome: 'done' };
  }

  /** An uninstall keeps the connection Secret too: the credentials of what stays in the cloud. */
  private async keepConnectionSecret(pass: Parsed<Spec>): Promise<void> {
    const { object, spec } = pass;
    const name = spec.writeConnectionSecretToRef?.name ?? this.deps.kind.connectionSecret?.defaultName?.(object.metadata.name);
    if (name) await this.deps.secrets?.release?.(object.metadata.namespace, name, object.metadata.uid);
  }

  /**
   * The growing poll while something is pending, from when Progressing turned True (retry.ts); the
   * longest while the adapter tells when to look again (`Pending.until`).
   */
  private waitPollMs(pass: Pass, pending?: Pending): number {
    if (pending?.until) return this.deps.maxPollMs ?? POLL_DEFAULTS.maxPollMs;
    const since = pass.object.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'True')?.lastTransitionTime;
    const waited = since ? (this.deps.now?.() ?? new Date()).getTime() - Date.parse(since) : 0;
    return pendingPollMs(waited, this.pollMs, this.deps.maxPollMs ?? POLL_DEFAULTS.maxPollMs);
  }

  /** The next drift check: at the object's phase, under its account's read budget once the account is known. */
  private resyncAfter(pass: Pass): number {
    const own = this.ownInterval(pass);
    const spec = (pass as Partial<Parsed<Spec>>).spec;
    const account = spec && this.deps.providers.resyncAccount?.(spec.providerConfigRef.name);
    if (!spec || account === undefined) return own ?? this.deps.resyncMs();
    const group = this.deps.kind.resyncGroup?.(spec);
    const phaseKey = group === undefined ? pass.object.metadata.uid : `${this.deps.kind.kind}/${spec.providerConfigRef.name}/${group}`;
    // An interval of its own still takes the account's read budget: many objects asking for the
    // minimum must not hammer an account other namespaces share.
    return this.deps.resyncMs({ account, phaseKey, ...(own === undefined ? {} : { everyMs: own }) });
  }

  /** The object's own interval when it asks for one, held within the bounds (a Warning when not). */
  private ownInterval(pass: Pass): number | undefined {
    const bounds = this.deps.interval;
    if (!bounds) return undefined;
    const choice = chooseInterval(pass.object.metadata.annotations, bounds);
    if (choice.warning) this.deps.events.event(pass.object, 'Warning', choice.warning.reason, choice.warning.message);
    return choice.ms === undefined ? undefined : jittered(choice.ms, bounds);
  }

  /** Settled: the status written, the next look at the resync. */
  private async done(pass: Pass, outcome: Outcome): Promise<ReconcileResult> {
    await this.status.settle(pass, outcome);
    return { outcome: 'done', resyncAfterMs: this.resyncAfter(pass) };
  }

  /** Under way: the status written, the next look after `pollAfterMs`, or once `wake` settles. */
  private async poll(pass: Pass, outcome: Outcome, pollAfterMs: number, wake?: PromiseLike<unknown>): Promise<ReconcileResult> {
    await this.status.settle(pass, outcome);
    return { outcome: 'pending', pollAfterMs, ...(wake ? { wake } : {}) };
  }

  /** Left alone (not ours, claimed, an adoption refused): shown in status, looked at again at the resync. */
  private async refuse(pass: Pass, refusal: Refusal): Promise<ReconcileResult> {
    if (refusal.plan) pass.plan = refusal.plan;
    // Another object's asset (perhaps another namespace's): none of what the observe found is
    // recorded, since references, exports and `kubectl get` read this object's status.
    if (refusal.outcome.degradedReason === Reason.AlreadyOwned) pass.atProvider = {};
    await this.status.settleQuietly(pass, refusal.outcome);
    return { outcome: 'terminal', reason: refusal.outcome.degradedReason, message: refusal.outcome.message, resyncAfterMs: this.resyncAfter(pass) };
  }

  /** Any failure, classified once (errors.ts) into the outcome the queue acts on (retry.ts). */
  private async fail(pass: Pass, err: unknown): Promise<ReconcileResult> {
    if (kubeStatus(err) === 404) return { outcome: 'done' }; // the object is gone: nothing to report on
    const failure = classify(err);
    pass.log.warn({ reason: failure.reason, err: failure.message }, 'reconcile failed');
    this.deps.events.event(pass.object, 'Warning', failure.reason, failure.message);
    // A conflict: no status write; the next pass reads the object anew.
    if (failure.outcome === 'conflict') return failure;
    await this.status.settleQuietly(pass, degraded(failure.reason, failure.message));
    // Waiting on the user's act in the cloud (emptying a bucket): noticed within a steady poll.
    if (WAITS_ON_USER.has(failure.reason)) return { outcome: 'waiting', reason: failure.reason, message: failure.message, pollAfterMs: this.deps.userWaitPollMs ?? USER_WAIT_POLL_MS };
    if (failure.outcome === 'terminal') return { ...failure, resyncAfterMs: this.resyncAfter(pass) };
    return failure;
  }
}

/**
 * Values taken from a Secret never reach status, Events or plans: a diff's values at those paths
 * are shown redacted (adapters converge from the spec, and the diff keeps its paths).
 */
function redactedDiff<O extends Observation>(observation: O, secretPaths: readonly string[]): O {
  if (!secretPaths.length || !observation.diff) return observation;
  const diff = observation.diff.map((d) => (isSecretPath(d.path, secretPaths) ? { ...d, observed: d.observed === undefined ? undefined : REDACTED, desired: REDACTED } : d));
  return { ...observation, diff };
}

/** The spec with each value taken from a Secret redacted, for a plan. */
function redactedSpec(spec: Record<string, unknown>, secretPaths: readonly string[]): Record<string, unknown> {
  if (!secretPaths.length) return spec;
  const out = structuredClone(spec);
  for (const path of secretPaths) {
    const parts = path.split('.');
    const holder = parts.slice(0, -1).reduce<Record<string, unknown> | undefined>((n, k) => n?.[k] as Record<string, unknown> | undefined, out);
    const key = parts.at(-1) ?? '';
    if (holder && holder[key] !== undefined) holder[key] = Array.isArray(holder[key]) ? holder[key].map(() => REDACTED) : REDACTED;
  }
  return out;
}

/**
 * Whether a Secret's owner mark is an earlier object's of this namespace and name (Readable marks
 * only: `<id>/<ns>/<name>/<another uid>`). Names are unique in a namespace, so that object is gone;
 * its Secret, in this same namespace, waits only for the garbage collector, and is taken over
 * instead of refusing the new object for a resync period.
 */
function predecessorOf(mark: string, uid: string): (owner: string) => boolean {
  if (!mark.endsWith(`/${uid}`)) return () => false;
  const prefix = mark.slice(0, -uid.length);
  return (owner) => owner !== mark && owner.startsWith(prefix) && /^[0-9a-f-]{36}$/.test(owner.slice(prefix.length));
}
