// What the benchmarks share: a `mooring run` process whose /metrics and memory can be read,
// manifests applied with the real kubectl, and waiting for every object of a kind to be Ready.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../src/api/common.ts';
import type { ManagedObject } from '../src/reconcile/types.ts';
import type { StackInfo } from '../src/stack/index.ts';
import { OPERATOR_ENV } from '../src/runtime/node-flags.ts';
import { binaries } from '../src/stack/versions.ts';
import { buildBundle } from '../src/build/index.ts';

const ROOT = join(import.meta.dirname, '..');
/** The `mooring run` the bench starts: the sources as a checkout runs them, unless compiled() was called. */
let main = join(ROOT, 'src', 'cli', 'main.ts');

/** The Node flags the image runs the operator with: its NODE_OPTIONS, and those its ENTRYPOINT gives node. */
export function imageNodeFlags(dockerfile: string): string[] {
  const options = /^ENV\s+NODE_OPTIONS=(?:"([^"]*)"|(\S+))/m.exec(dockerfile)?.slice(1).find((v) => v !== undefined) ?? '';
  const entrypoint = JSON.parse(/^ENTRYPOINT\s+(\[.*\])/m.exec(dockerfile)?.[1] ?? '[]') as string[];
  return [...options.split(/\s+/).filter(Boolean), ...entrypoint.slice(1).filter((a) => a.startsWith('--'))];
}

/** Builds the operator as the image does (`npm run build`: the bundle in dist/) and runs that from now on. */
export function compiled(): string {
  main = buildBundle();
  return main;
}

export interface BenchOperator {
  process: ChildProcess;
  /** Where its log goes. */
  logFile: string;
  /** Its working directory (where a heap snapshot lands). */
  cwd: string;
  /** The V8 heap as it reports it on /metrics: what is live beside what RSS holds. */
  heap(): Promise<string>;
  /** Where /metrics is served. */
  url: string;
  /** Resident memory now, in MiB. */
  rssMiB(): number;
  /** Every sample of every mooring_* metric, keyed by `name{labels}`. */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export interface BenchOperatorOptions {
  /** `mooring run` flags. */
  args?: string[];
  /** Node flags before the script (heap sizes). */
  nodeArgs?: string[];
  /** Names the log file; several operators may run at once. */
  id?: string;
  /** Resolve once serving and synced (default), or once serving (a standby never logs a sync it waits on). */
  waitForSync?: boolean;
}

export async function startBenchOperator(info: StackInfo, namespace: string, options: BenchOperatorOptions = {}): Promise<BenchOperator> {
  const logFile = join(info.dir, `operator-${namespace}${options.id ? `-${options.id}` : ''}.log`);
  const argv = [...(options.nodeArgs ?? []), main, 'run', '--kubeconfig', info.kube!.kubeconfig, '--namespace', namespace, '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default', ...(options.args ?? [])];
  const cwd = info.dir;
  // The image's environment (MALLOC_ARENA_MAX), unless the bench's own sets a variable (to compare).
  const child = spawn(process.execPath, argv, { cwd, env: { ...OPERATOR_ENV, ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const waitForSync = options.waitForSync ?? true;
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
      if (found && (synced || !waitForSync)) resolve(found);
    });
  });
  const metrics = async () => parseMetrics(await (await fetch(`${url}/metrics`)).text());
  return {
    process: child,
    logFile,
    cwd,
    url,
    rssMiB: () => rssMiB(child.pid!),
    metrics,
    heap: async () => {
      const m = await metrics();
      const mib = (name: string) => Math.round(sum(m, name) / 1048576);
      return `heap used ${mib('mooring_nodejs_heap_size_used_bytes')} of ${mib('mooring_nodejs_heap_size_total_bytes')} MiB, external ${mib('mooring_nodejs_external_memory_bytes')} MiB`;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A process's resident memory now, in MiB. */
export const rssMiB = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024);

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

export interface ListOptions {
  labelSelector?: string;
  timeoutMs?: number;
}

/**
 * Lists, then watches from the list's resourceVersion until `done` holds: each change is seen as
 * it happens (a poll would add up to its interval to every figure, and load the apiserver the
 * operator uses). A watch the server ends is followed by a fresh list.
 */
async function listUntil(kc: KubeConfig, namespace: string, plural: string, options: ListOptions, done: (items: ManagedObject[]) => string | undefined): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const timeoutMs = options.timeoutMs ?? 1_800_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, labelSelector: options.labelSelector })) as { items: ManagedObject[]; metadata: { resourceVersion: string } };
    const objects = new Map(list.items.map((o) => [o.metadata.name, o]));
    let missing = done([...objects.values()]);
    if (missing === undefined) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${missing} after ${timeoutMs / 1000} s`);
    const settled = await new Promise<boolean>((resolve) => {
      let request: { abort(): void } | undefined;
      const finish = (value: boolean) => {
        clearTimeout(timer);
        request?.abort();
        resolve(value);
      };
      const timer = setTimeout(() => finish(false), left);
      const query = { resourceVersion: list.metadata.resourceVersion, ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}) };
      void new Watch(kc)
        .watch(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`, query, (type, object: ManagedObject) => {
          if (type === 'DELETED') objects.delete(object.metadata.name);
          else if (type === 'ADDED' || type === 'MODIFIED') objects.set(object.metadata.name, object);
          missing = done([...objects.values()]);
          if (missing === undefined) finish(true);
        }, () => finish(false))
        .then((r) => (request = r), () => finish(false));
    });
    if (settled) return;
  }
}

/** Resolves once `count` objects of `plural` in `namespace` (matching the selector) are Ready. */
export function allReady(kc: KubeConfig, namespace: string, plural: string, count: number, options: ListOptions = {}): Promise<void> {
  return listUntil(kc, namespace, plural, options, (items) => {
    const ready = items.filter((o) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    return ready >= count ? undefined : `${ready} of ${count} ${plural} Ready`;
  });
}

/** Resolves once no object of `plural` (matching the selector) is left in `namespace`. */
export function allGone(kc: KubeConfig, namespace: string, plural: string, options: ListOptions = {}): Promise<void> {
  return listUntil(kc, namespace, plural, options, (items) => (items.length === 0 ? undefined : `${items.length} ${plural} still there`));
}

/** Runs `task` for each item, at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}
