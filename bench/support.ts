// What the benchmarks share: a `mooring run` process whose /metrics and memory can be read,
// manifests applied with the real kubectl, and waiting for every object of a kind to be Ready.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../src/api/common.ts';
import type { ManagedObject } from '../src/reconcile/types.ts';
import type { StackInfo } from '../src/stack/index.ts';
import { binaries } from '../src/stack/versions.ts';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

export interface BenchOperator {
  process: ChildProcess;
  /** Where /metrics is served. */
  url: string;
  /** Resident memory now, in MiB. */
  rssMiB(): number;
  /** Every sample of every mooring_* metric, keyed by `name{labels}`. */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startBenchOperator(info: StackInfo, namespace: string, args: string[] = []): Promise<BenchOperator> {
  const logFile = join(info.dir, `operator-${namespace}.log`);
  const child = spawn(process.execPath, [MAIN, 'run', '--kubeconfig', info.kube!.kubeconfig, '--namespace', namespace, '--bind-address', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk: Buffer) => appendFileSync(logFile, chunk));
  let synced = false;
  const url = await new Promise<string>((resolve, reject) => {
    let found: string | undefined;
    child.once('exit', (code) => reject(new Error(`the operator exited (${code}); see ${logFile}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      appendFileSync(logFile, chunk);
      const text = chunk.toString();
      found ??= /"http":"(http:[^"]+)"/.exec(text)?.[1];
      synced ||= text.includes('caches synced');
      if (found && synced) resolve(found);
    });
  });
  return {
    process: child,
    url,
    rssMiB: () => Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024),
    metrics: async () => parseMetrics(await (await fetch(`${url}/metrics`)).text()),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('mooring_')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include all of `labels` (`k="v"` strings). */
export function sum(samples: Map<string, number>, name: string, ...labels: string[]): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (labels.every((l) => key.includes(l))) total += value;
  }
  return total;
}

export function kubectl(info: StackInfo, dir: string, args: string[], manifest?: string): void {
  const file = join(dir, `manifest-${Date.now()}.yaml`);
  if (manifest !== undefined) writeFileSync(file, manifest);
  execFileSync(binaries().kubectl, ['--kubeconfig', info.kube!.kubeconfig, ...args, ...(manifest !== undefined ? ['-f', file] : [])], { stdio: 'ignore' });
}

/** Resolves with the time it took once `count` objects of `plural` in `namespace` are Ready. */
export async function allReady(kc: KubeConfig, namespace: string, plural: string, count: number, timeoutMs = 900_000): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace })) as { items: ManagedObject[] };
    const ready = list.items.filter((o) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return;
    if (Date.now() > deadline) throw new Error(`${ready} of ${count} ${plural} Ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Resolves once no object of `plural` is left in `namespace`. */
export async function allGone(kc: KubeConfig, namespace: string, plural: string, timeoutMs = 900_000): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace })) as { items: unknown[] };
    if (list.items.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${list.items.length} ${plural} still there after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `task` for each item, at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}
