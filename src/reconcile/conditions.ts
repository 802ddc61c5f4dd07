// Conditions as the user reads them: Ready, Progressing, Degraded. A transition time moves only
// when a condition's status changes, so an unchanged status is byte-for-byte the same and is not
// written again.
import type { Condition, ConditionType } from '../api/common.ts';
import { Reason } from './reasons.ts';

export interface Outcome {
  ready: boolean;
  readyReason: string;
  progressing: boolean;
  progressingReason: string;
  degraded: boolean;
  degradedReason: string;
  message: string;
}

/** What the last observe found of drift; undefined on a pass that learnt nothing new of it. */
export interface Drift {
  drifted: boolean;
  reason: string;
  message: string;
}

/**
 * The four conditions for an outcome, keeping transition times of statuses that did not change.
 * Drifted is carried over from `previous` unless `drift` says otherwise, so a pass that did not
 * look (a failure) or found nothing new does not rewrite it.
 */
export function conditionsFor(outcome: Outcome, generation: number, previous: Condition[] = [], now: Date = new Date(), drift?: Drift): Condition[] {
  const make = (type: ConditionType, on: boolean, reason: string, message: string): Condition => {
    const status = on ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      observedGeneration: generation,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now.toISOString(),
    };
  };
  return [
    make('Ready', outcome.ready, outcome.readyReason, outcome.message),
    make('Progressing', outcome.progressing, outcome.progressingReason, outcome.progressing ? outcome.message : ''),
    make('Degraded', outcome.degraded, outcome.degradedReason, outcome.degraded ? outcome.message : ''),
    drift ? make('Drifted', drift.drifted, drift.reason, drift.message) : carried(previous, generation, now),
  ];
}

function carried(previous: Condition[], generation: number, now: Date): Condition {
  const before = previous.find((c) => c.type === 'Drifted');
  if (before) return { ...before, observedGeneration: generation };
  return { type: 'Drifted', status: 'False', reason: Reason.InSync, message: '', observedGeneration: generation, lastTransitionTime: now.toISOString() };
}

export const ready = (reason: string = Reason.Available, message = ''): Outcome => ({
  ready: true,
  readyReason: reason,
  progressing: false,
  progressingReason: Reason.Idle,
  degraded: false,
  degradedReason: Reason.AsExpected,
  message,
});

export const progressing = (reason: string, message: string): Outcome => ({
  ready: false,
  readyReason: reason,
  progressing: true,
  progressingReason: reason,
  degraded: false,
  degradedReason: Reason.AsExpected,
  message,
});

export const degraded = (reason: string, message: string): Outcome => ({
  ready: false,
  readyReason: reason,
  progressing: false,
  progressingReason: Reason.Idle,
  degraded: true,
  degradedReason: reason,
  message,
});

/** Deep equality of JSON values, for "write status only when it changed". */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
