// CPU time of the processes a scenario keeps busy, read from /proc: where a run's time went. On a
// small machine everything shares the cores, so the apiserver's work for each object (writes,
// watches, the apply itself) slows the operator's cloud calls down too.
import { readFileSync } from 'node:fs';
import type { StackInfo } from '../src/stack/index.ts';

/** Which stack process is which, by its command line. */
const NAMES: [RegExp, string][] = [[/kube-apiserver/, 'kube-apiserver'], [/\/etcd\b/, 'etcd'], [/moto_server/, 'emulator']];

export type Processes = Record<string, number>;

/** The stack's servers that matter here, by name, plus `extra` (the operator). */
export function processes(info: StackInfo, extra: Processes = {}): Processes {
  const found: Processes = { ...extra };
  for (const pid of info.pids) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const name = NAMES.find(([re]) => re.test(cmd))?.[1];
    if (name) found[name] = pid;
  }
  return found;
}

/** User + system CPU seconds of each process so far. */
export function cpuNow(procs: Processes): Record<string, number> {
  const ticks = 100; // USER_HZ on Linux
  return Object.fromEntries(Object.entries(procs).map(([name, pid]) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [name, (Number(fields[11]) + Number(fields[12])) / ticks];
  }));
}

/** `name 1.23 s, …` for what each process spent since `before`, busiest first. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): string {
  return Object.entries(after)
    .map(([name, s]) => [name, s - (before[name] ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ');
}

/** CPU seconds one process (by its name in `processes`) spent since `before`. */
export const cpuSpentBy = (before: Record<string, number>, after: Record<string, number>, name: string) => (after[name] ?? 0) - (before[name] ?? 0);
