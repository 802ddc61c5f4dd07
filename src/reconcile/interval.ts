// The per-object resync interval (the annotation mooring.dev/reconcile-interval, as Config
// Connector's reconcile-interval-in-seconds): a tenant may ask its objects to be looked at more or
// less often, never outside the operator's bounds, so no namespace can make the operator hammer a
// shared account. Pure: the reconciler emits the Event this returns.
import { RECONCILE_INTERVAL } from '../api/common.ts';
import { parseDuration } from '../runtime/config.ts';
import { EventReason } from './reasons.ts';

export interface IntervalBounds {
  minMs: number;
  maxMs: number;
  /** The interval jittered as the resync period is, so objects asking alike spread out. */
  jitter: (ms: number) => number;
}

export interface IntervalChoice {
  /** The delay to the next resync; undefined: the operator's resync period. */
  ms?: number;
  /** A Warning Event to emit: the ask was raised, cut or unreadable. */
  warning?: { reason: EventReason; message: string };
}

const seconds = (ms: number) => `${ms / 1000} s`;

/** The resync an object's annotations ask for, within the bounds. */
export function chooseInterval(annotations: Readonly<Record<string, string>> | undefined, bounds: IntervalBounds): IntervalChoice {
  const asked = annotations?.[RECONCILE_INTERVAL]?.trim();
  if (asked === undefined || asked === '') return {};
  const ms = parseDuration(asked);
  if (ms === undefined || ms <= 0) {
    return { warning: { reason: EventReason.ReconcileIntervalInvalid, message: `${RECONCILE_INTERVAL}: ${JSON.stringify(asked.slice(0, 64))} is not a duration (10m, 1h30m, or seconds); the operator's resync period applies` } };
  }
  if (ms < bounds.minMs) {
    return { ms: bounds.minMs, warning: { reason: EventReason.ReconcileIntervalClamped, message: `${RECONCILE_INTERVAL}: ${seconds(ms)} is under the operator's minimum (--min-reconcile-interval); resyncing every ${seconds(bounds.minMs)}` } };
  }
  if (ms > bounds.maxMs) {
    return { ms: bounds.maxMs, warning: { reason: EventReason.ReconcileIntervalClamped, message: `${RECONCILE_INTERVAL}: ${seconds(ms)} is over the operator's maximum (--max-reconcile-interval); resyncing every ${seconds(bounds.maxMs)}` } };
  }
  return { ms };
}

/** The jittered delay, never under the minimum (jitter may not undo the bound). */
export function jittered(ms: number, bounds: IntervalBounds): number {
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, bounds.jitter(ms)));
}
