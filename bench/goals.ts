// The figures issue 20 holds mooring to, each beside what the ACK S3 controller measured on the same
// stack: the bench prints every one next to its goal, so a run says at a glance what is missed.
import type { Verdict } from './context.ts';

export interface Goal {
  /** At most this much (in the figure's unit). */
  atMost: number;
  unit: string;
  /** The ACK S3 controller's figure on the same stack (issue 20), for comparison. */
  ack?: string;
}

export const GOALS = {
  idleMiB: { atMost: 55, unit: 'MiB', ack: '49 MiB' },
  convergedMiB: { atMost: 75, unit: 'MiB', ack: '73 MiB' },
  cachedMiB: { atMost: 100, unit: 'MiB' },
  // No slower than the 39.7 s the issue measured; ACK took 408 s.
  applyToReadyS: { atMost: 40, unit: 's', ack: '408 s' },
  s3CallsPerBucket: { atMost: 6, unit: '', ack: '50.0' },
  kubeWritesPerBucket: { atMost: 3, unit: '', ack: '3.0' },
  // The operator's own CPU for 1,000 creates; the issue measured 16.4 s.
  operatorCpuS: { atMost: 16.4, unit: 's', ack: '46.2 s' },
} satisfies Record<string, Goal>;

/** `≤ 55 MiB: met` or `≤ 55 MiB: MISSED`, with ACK's figure where the issue has one. */
export function against(goal: Goal, figure: number): Verdict {
  const met = figure <= goal.atMost;
  const unit = goal.unit ? ` ${goal.unit}` : '';
  return { text: `≤ ${goal.atMost}${unit}: ${met ? 'met' : 'MISSED'}${goal.ack ? ` (ACK ${goal.ack})` : ''}`, met };
}
