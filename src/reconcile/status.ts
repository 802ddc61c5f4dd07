// What a pass writes to status: the conditions for its outcome, what it learnt of the cloud
// (atProvider, drift, a plan), the generation it converged, the refresh it handled. Written only
// when it changed, and never with a known secret value in it.
import type { Observation } from '../../sdk/index.ts';
import { REFRESH_REQUESTED_AT } from '../api/common.ts';
import type { SecretScrubber } from '../runtime/scrub.ts';
import { conditionsFor, jsonEqual, type Outcome } from './conditions.ts';
import { describeDiff, driftSettled, notCorrected } from './drift.ts';
import type { Pass } from './pass.ts';
import { EventReason, Reason } from './reasons.ts';
import type { EventSink, ManagedObject, ManagedStatus, ObjectWriter } from './types.ts';

/**
 * status.lastChecked is moved on a pass that changes nothing else only when the stored value is
 * older than this: a status write per object per resync would be a kube write each (10,000 objects
 * on a 5 minute resync: 33 writes a second, for ever). Whenever status is written anyway it moves
 * for free. So LAST CHECKED is at most this much older than the last check; the resync budget's
 * metrics tell the true period (docs/operations.md).
 */
export const LAST_CHECKED_REFRESH_MS = 3_600_000;

export interface StatusDeps {
  writer: ObjectWriter;
  events: EventSink;
  scrubber: SecretScrubber;
  now?: (() => Date) | undefined;
}

export class PassStatus {
  private readonly deps: StatusDeps;

  constructor(deps: StatusDeps) {
    this.deps = deps;
  }

  /** Writes the status for `outcome` when it changed. */
  async settle(pass: Pass, outcome: Outcome): Promise<void> {
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
    status = this.deps.scrubber.scrubDeep(status);
    const stored = object.status?.lastChecked;
    if (stored) status.lastChecked = stored;
    const changed = !jsonEqual(status, object.status ?? {});
    if (pass.checked) {
      const now = this.deps.now?.() ?? new Date();
      // Moved when written anyway, or when the stored time is too old to tell the truth (see above).
      if (changed || !stored || now.getTime() - Date.parse(stored) >= LAST_CHECKED_REFRESH_MS) status.lastChecked = now.toISOString();
    }
    if (changed || status.lastChecked !== stored) await this.deps.writer.writeStatus(object, status);
  }

  /** On the failure and refusal paths: a status write that fails must not hide why the pass ended. */
  async settleQuietly(pass: Pass, outcome: Outcome): Promise<void> {
    try {
      await this.settle(pass, outcome);
    } catch (err) {
      pass.log.warn({ err: (err as Error).message }, 'could not write status');
    }
  }

  /**
   * Drift is made visible before it is corrected: the Drifted condition (written now, not at the
   * end of the pass) and an Event name each field, live value and wanted value.
   */
  async reportDrift(pass: Pass, observation: Observation): Promise<void> {
    const found = describeDiff(observation.diff ?? []) || 'settings the adapter did not itemise';
    this.deps.events.event(pass.object, 'Normal', EventReason.DriftDetected, `found at the last observe, correcting: ${found}`);
    const { object } = pass;
    const now = this.deps.now?.() ?? new Date();
    const drifted = { type: 'Drifted', status: 'True' as const, reason: Reason.Drifted, message: found, observedGeneration: object.metadata.generation, lastTransitionTime: now.toISOString() };
    const status: ManagedStatus = this.deps.scrubber.scrubDeep({ ...object.status, conditions: [...(object.status?.conditions ?? []).filter((c) => c.type !== 'Drifted'), drifted] });
    await this.deps.writer.writeStatus(object, status);
    pass.object = { ...object, status };
  }

  /** In sync now: a Drifted condition still True is cleared (driftSettled: corrected, under Full). */
  inSync(pass: Pass, correcting = false): void {
    pass.drift ??= driftSettled(pass.object.status?.conditions?.find((c) => c.type === 'Drifted'), correcting);
  }

  /** ObserveOnly and Plan: differences are reported, never corrected. */
  reportOnly(pass: Pass, observation: Observation, policy: string): void {
    if (!observation.exists || observation.upToDate) return this.inSync(pass);
    pass.drift = { drifted: true, reason: Reason.Drifted, message: notCorrected(observation.diff ?? [], policy) };
  }
}

/**
 * The generation last applied and seen up to date. An object last written before the field
 * existed counts as converged at its generation when its Ready condition says Available there
 * (only a Full pass that saw it up to date writes that).
 */
export function convergedGeneration(object: ManagedObject): number | undefined {
  const status = object.status;
  if (status?.convergedGeneration !== undefined) return status.convergedGeneration;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' && ready.reason === Reason.Available ? ready.observedGeneration : undefined;
}
