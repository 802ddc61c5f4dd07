// The generic managed reconciler: one object, one pass, level-based. It owns finalizers,
// conditions, events, ownership decisions and rate limits; the adapter owns only the cloud.
//
// get → parse → deleting? → finalizer → connection Secret → connect → observe → ownership →
// create | set credentials | update | nothing → publish the Secret → status (written only when it
// changed) → requeue after the resync.
import { randomBytes } from 'node:crypto';
import type { ExternalClient, ManagedResource, Observation, Pending } from '../../sdk/index.ts';
import { TerminalError, isQueued, type WriteQueued } from '../../sdk/index.ts';
import type { Limits } from '../limits/index.ts';
import { REFRESH_REQUESTED_AT } from '../api/common.ts';
import { isSecretKey, scrubber as processScrubber, type SecretScrubber } from '../runtime/scrub.ts';
import { conditionsFor, degraded, jsonEqual, progressing, ready, type Drift, type Outcome } from './conditions.ts';
import { describeDiff, driftSettled, notCorrected, specKeepingIgnored, withoutIgnored } from './drift.ts';
import { planCalls, summarize } from './plan.ts';
import { adoptionRefusal } from './adoption.ts';
import { ConnectionSecret, type PendingCause } from './connection.ts';
import { DEFAULT_DEADLINES, type CallDeadlines } from './deadline.ts';
import { classify, invalidSpec, kubeStatus } from './errors.ts';
import { HeldClaims } from './held-claims.ts';
import { legacyMark, MarkSigner, ownershipMark } from './marks.ts';
import { PendingMarkSigner } from './pending.ts';
import { EventReason, Reason } from './reasons.ts';
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
  type ManagedStatus,
  type Admission,
  type ObjectWriter,
  type ProviderResolver,
  type ReconcileResult,
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
  /** The next resync delay (jittered). */
  resyncMs: () => number;
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
  now?: () => Date;
}

/** State of one pass, threaded through the phases. */
interface Pass<Spec> {
  object: ManagedObject;
  /** This pass's logger: every line names the object and the reconcile id. */
  log: Logger;
  spec?: Spec;
  resource?: ManagedResource<Spec>;
  client?: ExternalClient<Spec, Record<string, unknown>>;
  /** The provider type serving this pass (the ProviderConfig's `type`), for metrics. */
  provider?: string;
  atProvider?: Record<string, unknown> | undefined;
  /** The connection Secret, when the kind or the spec asks for one (never on the delete path). */
  secret?: ConnectionSecret | undefined;
  /** What this pass learnt of drift, for the Drifted condition; undefined leaves it as it was. */
  drift?: Drift | undefined;
  /** managementPolicy Plan: the calls Full would make. */
  plan?: ManagedStatus['plan'];
  /** What the ProviderConfig's admin granted this object (set before any cloud call). */
  admission?: Admission;
  /** This pass saw the spec applied and up to date: status.convergedGeneration moves to it. */
  converged?: boolean;
}

/** Thrown inside a pass to end it with an outcome that is not an error (e.g. NotOwned). */
class Stop extends Error {
  readonly outcome: Outcome;
  constructor(outcome: Outcome) {
    super(outcome.message);
    this.outcome = outcome;
  }
}

export class ManagedReconciler<Spec extends ManagedSpecBase> {
  private readonly deps: ReconcilerDeps<Spec>;
  private readonly scrubber: SecretScrubber;
  private readonly pendingMark: PendingMarkSigner;
  /** Events claiming a write the adapter only queued, until an observe bears them out. */
  private readonly held = new HeldClaims();
  private readonly markSigner: MarkSigner;
  /**
   * Objects (by uid) last found carrying their legacy mark: their next observe starts with it, so
   * a migrated asset costs one observe a pass, and a second one only after a restart.
   */
  private readonly legacyMarked = new Set<string>();

  constructor(deps: ReconcilerDeps<Spec>) {
    this.deps = deps;
    this.scrubber = deps.scrubber ?? processScrubber;
    this.pendingMark = deps.pendingMark ?? new PendingMarkSigner(randomBytes(32));
    this.markSigner = deps.markSigner ?? new MarkSigner();
  }

  async reconcile(object: ManagedObject, log: Logger = this.deps.log): Promise<ReconcileResult> {
    const pass: Pass<Spec> = { object, log };
    try {
      return await this.run(pass);
    } catch (err) {
      return this.fail(pass, err);
    } finally {
      await pass.client?.disconnect().catch(() => undefined);
    }
  }

  private async run(pass: Pass<Spec>): Promise<ReconcileResult> {
    pass.spec = this.parse(pass.object);
    if (pass.object.metadata.deletionTimestamp) return this.finalize(pass, pass.spec);
    // The finalizer goes on before the first cloud write (with a create's pending mark, in one
    // request), not before the first read: an object whose observe fails has nothing to clean up.
    const observation = this.ignoring(pass, await this.observe(pass, pass.spec, true));
    const resource = pass.resource!;
    if (pass.spec.managementPolicy === 'ObserveOnly') return this.observeOnly(pass, observation);
    if (observation.exists) this.checkOwnership(pass, observation);
    if (!observation.exists || !this.isMarkedOurs(pass, observation)) this.checkClaim(pass, resource.externalName);
    if (pass.spec.managementPolicy === 'Plan') return this.plan(pass, observation);
    if (observation.pending) return this.wait(pass, observation, observation.pending);
    if (!observation.exists) return this.create(pass);
    // Refused before the finalizer: an adoption that may not happen leaves nothing to clean up.
    if (!this.isMarkedOurs(pass, observation)) {
      this.checkAdoptionCredentials(pass);
      this.checkAdoptionChanges(pass, observation);
    }
    await this.ensureFinalizer(pass);
    if (!this.isMarkedOurs(pass, observation)) {
      // An adopted thing gets generated credentials too: update may need them (a role to re-create).
      await this.prepareCredentials(pass, true);
      const adopted = await this.call(pass, 'update', (c) => c.update(resource, observation));
      this.claim(pass, adopted, EventReason.Adopted, `adopted the existing ${this.deps.kind.kind.toLowerCase()} ${resource.externalName} and marked it as ours`);
      return this.verify(pass, progressing(Reason.Updating, 'adopted; checking the result'));
    }
    if (await this.prepareCredentials(pass, true)) return this.setCredentials(pass, observation);
    if (!observation.upToDate) {
      // This generation was already applied and seen up to date: then the cloud changed behind
      // our back. Not observedGeneration: a failed pass writes that too, without applying anything.
      const drift = convergedGeneration(pass.object) === pass.object.metadata.generation;
      if (drift) await this.reportDrift(pass, observation);
      const updated = await this.call(pass, 'update', (c) => c.update(resource, observation));
      const fields = (observation.diff ?? []).map((d) => d.path).join(', ') || 'settings';
      this.claim(pass, updated, drift ? EventReason.DriftCorrected : EventReason.Updated, `converged ${fields}`);
      return this.verify(pass, progressing(Reason.Updating, `converging ${fields}`));
    }
    return this.available(pass, observation);
  }

  /**
   * spec.ignoreChanges: the differences there are dropped before anything acts on them, and the
   * adapter is given a spec holding their live values.
   */
  private ignoring(pass: Pass<Spec>, observation: Observation<Record<string, unknown>>): Observation<Record<string, unknown>> {
    const ignore = pass.spec!.ignoreChanges;
    pass.resource!.spec = specKeepingIgnored(pass.resource!.spec, observation.diff, ignore);
    return withoutIgnored(observation, ignore);
  }

  /**
   * Drift is made visible before it is corrected: the Drifted condition (written now, not at the
   * end of the pass) and an Event name each field, live value and wanted value.
   */
  private async reportDrift(pass: Pass<Spec>, observation: Observation): Promise<void> {
    const found = describeDiff(observation.diff ?? []) || 'settings the adapter did not itemise';
    this.deps.events.event(pass.object, 'Normal', EventReason.DriftDetected, `found at the last observe, correcting: ${found}`);
    const { object } = pass;
    const now = this.deps.now?.() ?? new Date();
    const drifted = { type: 'Drifted', status: 'True' as const, reason: Reason.Drifted, message: found, observedGeneration: object.metadata.generation, lastTransitionTime: now.toISOString() };
    const status: ManagedStatus = this.scrubber.scrubDeep({ ...object.status, conditions: [...(object.status?.conditions ?? []).filter((c) => c.type !== 'Drifted'), drifted] });
    await this.deps.writer.writeStatus(object, status);
    pass.object = { ...object, status };
  }

  /** In sync now: a Drifted condition still True is cleared (driftSettled: corrected, under Full). */
  private inSync(pass: Pass<Spec>, correcting = false): void {
    pass.drift ??= driftSettled(pass.object.status?.conditions?.find((c) => c.type === 'Drifted'), correcting);
  }

  /** ObserveOnly and Plan: differences are reported, never corrected. */
  private reportOnly(pass: Pass<Spec>, observation: Observation, policy: string): void {
    if (!observation.exists || observation.upToDate) return this.inSync(pass);
    pass.drift = { drifted: true, reason: Reason.Drifted, message: notCorrected(observation.diff ?? [], policy) };
  }

  /** managementPolicy Plan: what Full would call, into status.plan; nothing is called. */
  private async plan(pass: Pass<Spec>, observation: Observation): Promise<ReconcileResult> {
    const adopting = observation.exists && !this.isMarkedOurs(pass, observation);
    pass.plan = planCalls({ observation, spec: pass.resource!.spec as Record<string, unknown>, adopting, ownershipMark: pass.resource!.ownershipMark });
    this.reportOnly(pass, observation, 'Plan');
    return this.settle(pass, ready(Reason.Planned, summarize(pass.plan)));
  }

  /** Up to date and ours: publish the connection details, clear the pending create, Ready. */
  private async available(pass: Pass<Spec>, observation: Observation): Promise<ReconcileResult> {
    // An adoption (or a crashed create taken back) may leave the Secret's values unset in the
    // cloud: never Ready on a Secret that cannot log in.
    if (pass.secret?.pending) return this.setCredentials(pass, observation);
    this.inSync(pass, true);
    pass.converged = true;
    await pass.secret?.publish(observation.connectionDetails);
    // The pending mark and the status are independent writes (metadata, the status subresource):
    // sent together. Either may fail alone; the next pass finds the thing ours and writes again.
    const [result] = await Promise.all([this.settle(pass, ready()), pass.object.metadata.annotations?.[CREATE_PENDING] ? this.clearPending(pass) : undefined]);
    return result;
  }

  /**
   * Observes again right after a write: a cloud that applied it at once is Ready in this pass,
   * without a trip through the queue; one that is still settling is polled.
   */
  private async verify(pass: Pass<Spec>, meanwhile: Outcome): Promise<ReconcileResult> {
    const observation = this.ignoring(pass, this.learn(pass, await this.call(pass, 'observe', (c) => c.observe(pass.resource!))));
    pass.atProvider = observation.atProvider;
    this.release(pass, observation);
    if (observation.pending) return this.wait(pass, observation, observation.pending);
    const visible = observation.exists && this.isMarkedOurs(pass, observation);
    if (visible && observation.upToDate) return this.available(pass, observation);
    return this.settle(pass, meanwhile, this.deps.pollMs ?? 1000);
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

  /**
   * Resolves the provider, reads the connection Secret (`withSecret`), connects, observes; leaves
   * resource, secret and client on the pass.
   */
  private async observe(pass: Pass<Spec>, spec: Spec, withSecret = false): Promise<Observation<Record<string, unknown>>> {
    const { object } = pass;
    const pc = spec.providerConfigRef.name;
    // Before any Secret read or cloud call: the namespace's grant, and (unless deleting) the policy.
    const deleting = Boolean(object.metadata.deletionTimestamp);
    pass.admission = this.deps.providers.admit(pc, { namespace: object.metadata.namespace, kind: this.deps.kind.kind, spec: deleting ? undefined : spec });
    const { connection, connector } = await this.deps.providers.resolve(pc, this.deps.kind.kind);
    pass.provider = connection.type;
    const marks = this.marksOf(object, pc);
    pass.resource = {
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
    if (withSecret) await this.loadSecret(pass, spec, marks.legacy);
    pass.client = (await connector.connect(connection));
    let observation = this.learn(pass, await this.call(pass, 'observe', (c) => c.observe(pass.resource!)));
    // The asset carries the object's other acceptable mark: observed again with that one, since
    // an adapter may read more of what it finds ours (a database's grants, a role's privileges).
    const other = pass.resource.ownershipMark === marks.current ? marks.legacy : marks.current;
    if (other !== undefined && observation.ownershipMark === other) {
      pass.resource.ownershipMark = other;
      if (other === marks.legacy) this.legacyMarked.add(object.metadata.uid);
      else this.legacyMarked.delete(object.metadata.uid);
      observation = this.learn(pass, await this.call(pass, 'observe', (c) => c.observe(pass.resource!)));
    }
    pass.atProvider = observation.atProvider;
    this.release(pass, observation);
    return observation;
  }

  /**
   * The mark new assets get, and the legacy mark (`<id>/<namespace>/<name>`, before uids) when
   * this object may still own one: only an object reconciled before (a status the operator wrote,
   * or a create the operator signed as pending), since only such an object can have made it. A
   * brand-new object of a namespace deleted and made again has neither, so the old object's
   * assets are AlreadyOwned for it. A legacy object keeps its legacy mark for good (the mark is
   * passed to the adapter as is): rewriting it would need every adapter, plugins included, to
   * replace a mark on update, and an operator rolled back would then disown the asset.
   */
  private marksOf(object: ManagedObject, pc: string): { current: string; legacy?: string | undefined } {
    const subject = {
      ownershipId: this.deps.providers.ownershipId(pc),
      form: this.deps.providers.markForm(pc),
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
    };
    const current = ownershipMark(subject, this.markSigner);
    const reconciledBefore = object.status?.observedGeneration !== undefined || this.ownPendingCreate(object);
    return { current, legacy: reconciledBefore ? legacyMark(subject) : undefined };
  }

  /**
   * The connection details built from a generated value (a URI holding the password) are scrubbed
   * from now on, whole. Nothing else an adapter reports is learnt: details echo tenant input (a
   * username, a database name, a password the tenant wrote into its own Secret), and learning
   * those would let a tenant choose what vanishes from everyone's messages.
   */
  private learn<O extends Observation<Record<string, unknown>>>(pass: Pass<Spec>, observation: O): O {
    const generated = pass.secret?.generatedValues() ?? [];
    if (!generated.length) return observation;
    for (const [key, value] of Object.entries(observation.connectionDetails ?? {})) {
      if (isSecretKey(key) && generated.some((g) => value.includes(g) || value.includes(encodeURIComponent(g)))) this.scrubber.rememberGenerated(pass.object.metadata.namespace, value);
    }
    return observation;
  }

  /** The connection Secret, when the spec names one or the kind has a default name. */
  private async loadSecret(pass: Pass<Spec>, spec: Spec, legacy: string | undefined): Promise<void> {
    const policy = this.deps.kind.connectionSecret;
    const name = spec.writeConnectionSecretToRef?.name ?? policy?.defaultName?.(pass.object.metadata.name);
    if (!name) return;
    if (!this.deps.secrets) throw new Error(`no Secret store: cannot write the connection Secret ${name}`);
    pass.secret = await ConnectionSecret.load({
      store: this.deps.secrets,
      object: pass.object,
      name,
      ownershipMark: pass.resource!.ownershipMark,
      ...(legacy ? { acceptedMarks: [legacy] } : {}),
      predecessor: predecessorOf(pass.resource!.ownershipMark, pass.object.metadata.uid),
      generatedKeys: policy?.generatedKeys?.(spec) ?? [],
      ...(this.deps.generateSecret ? { generate: this.deps.generateSecret } : {}),
      scrubber: this.scrubber,
    });
    pass.resource!.connectionSecret = pass.secret.data;
  }

  /**
   * Generated credentials missing, or a rotation due: new values go into the Secret (pending)
   * before any cloud call uses them. Returns the cause when values wait to be set in the cloud.
   */
  private async prepareCredentials(pass: Pass<Spec>, exists: boolean): Promise<PendingCause | undefined> {
    const secret = pass.secret;
    if (!secret) return undefined;
    await secret.prepare(exists);
    pass.resource!.connectionSecret = secret.data;
    return secret.pending;
  }

  /** Sets the Secret's pending values on the existing thing, then clears the pending mark. */
  private async setCredentials(pass: Pass<Spec>, observation: Observation): Promise<ReconcileResult> {
    const secret = pass.secret!;
    const cause = secret.pending;
    if (!pass.client!.setCredentials) {
      throw new TerminalError(Reason.ProviderError, `the provider's ${this.deps.kind.kind} adapter cannot set credentials (it has no setCredentials)`);
    }
    await this.call(pass, 'setCredentials', (c) => c.setCredentials!(pass.resource!, observation));
    await secret.applied();
    if (cause !== 'create') {
      const why = cause === 'rotate' ? 'a rotation was requested' : 'the connection Secret had lost them';
      // Never the value: only that it changed and where it is.
      this.deps.events.event(pass.object, 'Normal', EventReason.CredentialsRotated, `set new credentials (${why}); the Secret ${secret.name} holds them`);
    }
    return this.settle(pass, progressing(Reason.Updating, 'credentials set; checking the result'), this.deps.pollMs ?? 1000);
  }

  /**
   * Work under way (ours or the cloud's): report what the adapter says, touch nothing, look again.
   * What the cloud already tells of a thing of ours (an endpoint) is published meanwhile.
   */
  private async wait(pass: Pass<Spec>, observation: Observation, pending: Pending): Promise<ReconcileResult> {
    if (observation.exists && this.isMarkedOurs(pass, observation)) await pass.secret?.publish(observation.connectionDetails);
    return this.settle(pass, progressing(Reason[pending.reason], pending.message), this.waitPollMs(pass));
  }

  /**
   * Every adapter call goes through the resource's limiter (one call at a time per object) and
   * has a deadline: the adapter gets its signal on `resource.signal` (and as `callSignal()`), and
   * the call is abandoned with a retryable CallTimeout when it passes, freeing the worker.
   */
  private call<T>(pass: Pass<Spec>, op: string, fn: (client: ExternalClient<Spec, Record<string, unknown>>) => Promise<T>): Promise<T> {
    const client = pass.client!;
    const key = `${pass.object.kind}/${pass.object.metadata.namespace}/${pass.object.metadata.name}`;
    pass.log.debug({ op }, 'adapter call');
    const deadlines = this.deps.deadlines ?? DEFAULT_DEADLINES;
    const timed = () =>
      deadlines.run(op, `the ${pass.provider ?? 'unknown'} adapter's ${op} of ${this.deps.kind.kind.toLowerCase()} ${pass.resource!.externalName}`, (signal) => {
        // The calls of one pass run one after another: the resource carries the current one's signal.
        pass.resource!.signal = signal;
        return fn(client);
      });
    const observer = this.deps.calls;
    if (!observer) return this.deps.limits.forResource(key, timed);
    return this.deps.limits.forResource(key, async () => {
      const started = performance.now();
      const report = (outcome: 'success' | 'error') =>
        observer.adapterCall({ kind: this.deps.kind.kind, provider: pass.provider ?? 'unknown', operation: op, outcome, seconds: (performance.now() - started) / 1000 });
      try {
        const result = await timed();
        report('success');
        return result;
      } catch (err) {
        report('error');
        throw err;
      }
    });
  }

  /**
   * An Event claiming a write: at once when the call made it; held when the adapter only queued it
   * (SDK 1.4), until an observe reports it taken or shows the thing as wanted (HeldClaims).
   */
  private claim(pass: Pass<Spec>, result: void | Observation | WriteQueued, reason: string, message: string): void {
    if (isQueued(result)) this.held.hold(pass.object.metadata.uid, { reason, message, object: pass.object });
    else this.deps.events.event(pass.object, 'Normal', reason, message);
  }

  /** The held claim an observation bears out, as its Event. */
  private release(pass: Pass<Spec>, observation: Observation): void {
    const claim = this.held.settle(pass.object.metadata.uid, observation, this.isMarkedOurs(pass, observation));
    if (claim) this.deps.events.event(claim.object ?? pass.object, 'Normal', claim.reason, claim.message);
  }

  private isMarkedOurs(pass: Pass<Spec>, observation: Observation): boolean {
    return observation.ownershipMark === pass.resource!.ownershipMark;
  }

  /**
   * Ours: carries our mark, or is the half-recorded result of our own create (a pending mark only
   * the operator could have signed, for this uid), or is adopted where the config allows it.
   */
  private mayTouch(pass: Pass<Spec>, observation: Observation): boolean {
    if (this.isMarkedOurs(pass, observation)) return true;
    if (observation.ownershipMark !== undefined) return false;
    return this.ownPendingCreate(pass.object) || this.adopting(pass);
  }

  private ownPendingCreate(object: ManagedObject): boolean {
    const mark = object.metadata.annotations?.[CREATE_PENDING];
    return mark !== undefined && this.pendingMark.verify(object.metadata.uid, mark);
  }

  private adopting(pass: Pass<Spec>): boolean {
    return Boolean(pass.spec?.adopt && pass.admission?.adoption);
  }

  private checkOwnership(pass: Pass<Spec>, observation: Observation): void {
    if (this.mayTouch(pass, observation)) return;
    const what = `${this.deps.kind.kind.toLowerCase()} ${pass.resource!.externalName}`;
    if (observation.ownershipMark !== undefined) {
      throw new Stop(degraded(Reason.AlreadyOwned, `the ${what} is owned by ${observation.ownershipMark}; it is left untouched. Choose another spec.externalName, or delete that owner first.`));
    }
    if (pass.spec!.adopt) {
      throw new Stop(degraded(Reason.AdoptionNotGranted, `a ${what} already exists and carries no mooring ownership mark; ProviderConfig ${pass.spec!.providerConfigRef.name} does not allow adoption (spec.policy.adoption), so it is left untouched.`));
    }
    throw new Stop(degraded(Reason.NotOwned, `a ${what} already exists and carries no mooring ownership mark; it is left untouched. Set spec.adopt: true to take it over (where the ProviderConfig allows adoption).`));
  }

  /**
   * Adopting a thing whose credentials mooring generates (a login, an RDS master user) would set a
   * new password on it: only when the spec asks for that by name.
   */
  private checkAdoptionCredentials(pass: Pass<Spec>): void {
    const policy = this.deps.kind.connectionSecret;
    if (this.ownPendingCreate(pass.object) || !policy?.generatedKeys?.(pass.spec).length) return;
    if (policy.resetOnAdopt?.(pass.spec)) return;
    throw new Stop(
      degraded(
        Reason.AdoptionNeedsPasswordReset,
        `adopting the existing ${this.deps.kind.kind.toLowerCase()} ${pass.resource!.externalName} would set a new password on it; it is left untouched. Set spec.resetPasswordOnAdopt: true to adopt it with a new password.`,
      ),
    );
  }

  /**
   * An adoption takes the thing as it is: one that would change it waits, its plan in status.plan,
   * until the spec matches or the user accepts the changes (src/reconcile/adoption.ts). Our own
   * interrupted create is no adoption: it goes on converging. With spec.adopt the unmarked thing
   * may be someone else's all the same (a create that found it there and wrote nothing, still
   * marked pending): then it is shown first, like any adoption.
   */
  private checkAdoptionChanges(pass: Pass<Spec>, observation: Observation): void {
    if (this.ownPendingCreate(pass.object) && !pass.spec!.adopt) return;
    const resource = pass.resource!;
    const refusal = adoptionRefusal({
      kind: this.deps.kind.kind, externalName: resource.externalName, annotations: pass.object.metadata.annotations,
      observation, spec: resource.spec as Record<string, unknown>, ownershipMark: resource.ownershipMark,
    });
    if (!refusal) return;
    pass.plan = refusal.plan;
    throw new Stop(refusal.outcome);
  }

  /** Two resources never claim one external name: the younger one is refused before any call. */
  private checkClaim(pass: Pass<Spec>, externalName: string): void {
    const other = this.deps.claims.earlierClaimant(pass.object, pass.spec!.providerConfigRef.name, externalName);
    if (other) {
      throw new Stop(degraded(Reason.AlreadyOwned, `${externalName} is already claimed by ${this.deps.kind.kind} ${other}; two resources cannot manage one external name.`));
    }
  }

  /** Our finalizer, with `annotations` in the same write when it is missing (else alone). */
  private async ensureFinalizer(pass: Pass<Spec>, annotations?: Record<string, string>): Promise<void> {
    const finalizers = pass.object.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER) || pass.spec?.managementPolicy !== 'Full') {
      if (annotations) pass.object = await this.deps.writer.setAnnotations(pass.object, annotations);
      return;
    }
    pass.object = await this.deps.writer.setFinalizers(pass.object, [...finalizers, FINALIZER], annotations);
  }

  private async create(pass: Pass<Spec>): Promise<ReconcileResult> {
    const resource = pass.resource!;
    // Recorded before the cloud call: a crash after the cloud's "created" leaves this mark, and
    // the next pass treats the unmarked thing of this name as ours instead of refusing it.
    const pending = this.ownPendingCreate(pass.object) ? undefined : { [CREATE_PENDING]: this.pendingMark.sign(pass.object.metadata.uid) };
    await this.ensureFinalizer(pass, pending);
    // Likewise the generated password: in the Secret before the cloud has it.
    await this.prepareCredentials(pass, false);
    const made = await this.call(pass, 'create', (c) => c.create(resource));
    await pass.secret?.applied();
    this.claim(pass, made, EventReason.Created, `created ${this.deps.kind.kind.toLowerCase()} ${resource.externalName}`);
    // The adapter vouches for what it just made (the SDK contract): no read back.
    if (made && !isQueued(made) && made.exists && made.upToDate && !made.pending && this.isMarkedOurs(pass, made)) {
      pass.atProvider = this.learn(pass, made).atProvider;
      return this.available(pass, made);
    }
    return this.verify(pass, progressing(Reason.Creating, 'created; waiting to observe it configured'));
  }

  private async clearPending(pass: Pass<Spec>): Promise<void> {
    pass.object = await this.deps.writer.setAnnotations(pass.object, { [CREATE_PENDING]: null });
  }

  private async observeOnly(pass: Pass<Spec>, observation: Observation): Promise<ReconcileResult> {
    if (!observation.exists) {
      return this.settle(pass, degraded(Reason.ExternalResourceNotFound, `${pass.resource!.externalName} does not exist; ObserveOnly never creates it.`));
    }
    await pass.secret?.publish(observation.connectionDetails);
    this.reportOnly(pass, observation, 'ObserveOnly');
    const drift = observation.upToDate ? '' : `differs from the spec in ${(observation.diff ?? []).map((d) => d.path).join(', ')} (ObserveOnly: not corrected)`;
    return this.settle(pass, ready(Reason.Observed, drift));
  }

  private async finalize(pass: Pass<Spec>, spec: Spec): Promise<ReconcileResult> {
    const finalizers = pass.object.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return {};
    const release = async (reason: string, message: string) => {
      this.legacyMarked.delete(pass.object.metadata.uid);
      this.deps.events.event(pass.object, 'Normal', reason, message);
      await this.deps.writer.setFinalizers(pass.object, finalizers.filter((f) => f !== FINALIZER));
      return {};
    };
    if (spec.deletionPolicy === 'Retain' || spec.managementPolicy !== 'Full') {
      return release(EventReason.Retained, `left ${this.externalName(pass.object, spec)} in place (deletionPolicy ${spec.deletionPolicy}, managementPolicy ${spec.managementPolicy})`);
    }
    // Asked on every delete pass, so an uninstall also stops a delete already under way.
    if (await this.deps.uninstalling?.()) {
      await this.keepConnectionSecret(pass, spec);
      const crd = `${this.deps.kind.plural}.mooring.dev`;
      return release(EventReason.Uninstalling, `the CRD ${crd} is being deleted (an uninstall): left ${this.externalName(pass.object, spec)} in place, with its ownership mark`);
    }
    let observation: Observation;
    try {
      observation = await this.observe(pass, spec);
    } catch (err) {
      // The name belongs to someone else (another account's bucket): nothing of ours to delete.
      if (err instanceof TerminalError && err.reason === Reason.NameTaken) return release(EventReason.LeftUnowned, `${this.externalName(pass.object, spec)} belongs to someone else; left untouched`);
      throw err;
    }
    const name = pass.resource!.externalName;
    if (!observation.exists) {
      // Not "gone" while pending: a create still queued would otherwise land after the finalizer went.
      if (observation.pending) return this.settle(pass, progressing(Reason.Deleting, observation.pending.message), this.waitPollMs(pass));
      return release(EventReason.Deleted, `${name} is gone`);
    }
    if (!this.mayTouch(pass, observation)) {
      return release(EventReason.LeftUnowned, `${name} is not ours (mark: ${observation.ownershipMark ?? 'none'}); left untouched`);
    }
    const result = await this.call(pass, 'delete', (c) => c.delete(pass.resource!, observation));
    if (result.done) return release(EventReason.Deleted, `deleted ${name}`);
    const progress = result.progress ?? 'deletion in progress';
    pass.atProvider = { ...(pass.atProvider ?? {}), ...result.atProvider, deletion: progress };
    this.deps.events.event(pass.object, 'Normal', EventReason.DeletionProgress, progress);
    return this.settle(pass, progressing(Reason.Deleting, progress), result.requeueAfterMs ?? 0);
  }

  /** An uninstall keeps the connection Secret too: the credentials of what stays in the cloud. */
  private async keepConnectionSecret(pass: Pass<Spec>, spec: Spec): Promise<void> {
    const name = spec.writeConnectionSecretToRef?.name ?? this.deps.kind.connectionSecret?.defaultName?.(pass.object.metadata.name);
    if (name) await this.deps.secrets?.release?.(pass.object.metadata.namespace, name, pass.object.metadata.uid);
  }

  /**
   * While something is pending: half the time waited so far (since Progressing turned
   * True), between pollMs and maxPollMs. Polls thin out as a wait drags on, with no state kept
   * beyond the condition itself, so a restarted operator backs off the same way.
   */
  private waitPollMs(pass: Pass<Spec>): number {
    const min = this.deps.pollMs ?? 1000;
    const max = this.deps.maxPollMs ?? 30_000;
    const since = pass.object.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'True')?.lastTransitionTime;
    const waited = since ? (this.deps.now?.() ?? new Date()).getTime() - Date.parse(since) : 0;
    return Math.min(max, Math.max(min, waited / 2));
  }

  /** Writes the status when it changed and says when to look again. */
  private async settle(pass: Pass<Spec>, outcome: Outcome, requeueAfterMs?: number): Promise<ReconcileResult> {
    const { object } = pass;
    const previous = object.status?.conditions ?? [];
    let status: ManagedStatus = {
      conditions: conditionsFor(outcome, object.metadata.generation, previous, this.deps.now?.(), pass.drift),
      observedGeneration: object.metadata.generation,
    };
    const converged = pass.converged ? object.metadata.generation : convergedGeneration(object);
    if (converged !== undefined) status.convergedGeneration = converged;
    const atProvider = pass.atProvider ?? object.status?.atProvider;
    if (atProvider) status.atProvider = atProvider;
    if (pass.plan) status.plan = pass.plan;
    // Recorded on every outcome, failures too: the request was handled, whatever it found.
    const refresh = object.metadata.annotations?.[REFRESH_REQUESTED_AT] ?? object.status?.lastRefresh;
    if (refresh) status.lastRefresh = refresh;
    // Whatever an adapter put in a message or in atProvider: no known secret value reaches status.
    status = this.scrubber.scrubDeep(status);
    if (!jsonEqual(status, object.status ?? {})) await this.deps.writer.writeStatus(object, status);
    return { requeueAfterMs: requeueAfterMs ?? this.deps.resyncMs() };
  }

  private async fail(pass: Pass<Spec>, err: unknown): Promise<ReconcileResult> {
    if (err instanceof Stop) return this.settleQuietly(pass, err.outcome, undefined);
    if (kubeStatus(err) === 404) return {}; // the object is gone: nothing to report on
    const failure = classify(err);
    pass.log.warn({ reason: failure.reason, err: failure.message }, 'reconcile failed');
    this.deps.events.event(pass.object, 'Warning', failure.reason, failure.message);
    const outcome = degraded(failure.reason, failure.message);
    if (failure.retry === 'resync') return this.settleQuietly(pass, outcome, undefined);
    // A conflict: retried soon through the queue's per-object backoff (its smaller first step,
    // jittered, growing while conflicts repeat), never at a fixed instant. No status write: the
    // next pass reads the object anew.
    if (failure.retry === 'soon') throw Object.assign(new Error(failure.message, { cause: err }), { conflict: true });
    await this.settleQuietly(pass, outcome, undefined);
    throw Object.assign(new Error(failure.message, { cause: err }), { retryAfterMs: failure.retryAfterMs });
  }

  /** Status writes on the failure path must not hide the original failure. */
  private async settleQuietly(pass: Pass<Spec>, outcome: Outcome, requeueAfterMs: number | undefined): Promise<ReconcileResult> {
    try {
      return await this.settle(pass, outcome, requeueAfterMs);
    } catch (err) {
      pass.log.warn({ err: (err as Error).message }, 'could not write status');
      return { requeueAfterMs: requeueAfterMs ?? this.deps.resyncMs() };
    }
  }
}

/**
 * The generation last applied and seen up to date. An object last written before the field
 * existed counts as converged at its generation when its Ready condition says Available there
 * (only a Full pass that saw it up to date writes that).
 */
function convergedGeneration(object: ManagedObject): number | undefined {
  const status = object.status;
  if (status?.convergedGeneration !== undefined) return status.convergedGeneration;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' && ready.reason === Reason.Available ? ready.observedGeneration : undefined;
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
