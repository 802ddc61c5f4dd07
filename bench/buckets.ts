// How long N Buckets take from `kubectl apply` to all Ready, and what it cost: S3 calls counted
// by the proxy in front of the emulator, apiserver writes, and the operator's peak memory. The
// operator is a real `mooring run` process; the stack is the tests' own.
//
//   node bench/buckets.ts [--count 100] [--concurrency 4]
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { API_VERSION } from '../src/api/common.ts';
import { FaultProxyClient } from '../src/stack/faultproxy.ts';
import { startStack, stackInfo } from '../src/stack/index.ts';
import { setup } from '../src/stack/setup.ts';
import { binaries } from '../src/stack/versions.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, objects } from '../test/support/kube.ts';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const { values } = parseArgs({ options: { count: { type: 'string', default: '100' }, concurrency: { type: 'string', default: '4' } } });
const count = Number(values.count);
const concurrency = Number(values.concurrency);

await setup(['etcd', 'kube', 'moto'], (m) => console.error(`[bench] ${m}`));
const stack = await startStack({ components: ['kube', 'aws'] });
try {
  const info = stackInfo(stack);
  const kc = kubeConfig(info);
  await installCrds(kc);
  const ns = await createNamespace(kc, 'bench');
  // Every S3 request goes through the counting proxy.
  const pc = await emulatorProviderConfig(kc, { ...info, aws: { ...info.aws!, endpoint: info.aws!.proxyEndpoint! } }, 'bench');
  const proxy = new FaultProxyClient(info.aws!.proxyEndpoint!);

  const logFile = join(stack.dir, 'operator.log');
  const operator = spawn(process.execPath, [MAIN, 'run', '--kubeconfig', info.kube!.kubeconfig, '--namespace', ns, '--concurrency', String(concurrency), '--bind-address', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let synced = false;
  operator.stdout.on('data', (chunk: Buffer) => {
    appendFileSync(logFile, chunk);
    synced ||= chunk.toString().includes('caches synced');
  });
  await eventually(async () => synced, 'the operator to start', 30_000);

  const manifest = Array.from({ length: count }, (_, i) => `apiVersion: ${API_VERSION}
kind: Bucket
metadata: { name: bench-${String(i).padStart(4, '0')}-${ns}, namespace: ${ns} }
spec: { providerConfigRef: { name: ${pc} }, versioning: true, tags: { bench: "yes" } }
`).join('---\n');
  const file = join(stack.dir, 'buckets.yaml');
  writeFileSync(file, manifest);
  await proxy.resetStats();

  const started = Date.now();
  execFileSync(binaries().kubectl, ['--kubeconfig', info.kube!.kubeconfig, 'apply', '-f', file], { stdio: 'ignore' });
  const applied = Date.now();
  const buckets = objects(kc, 'buckets');
  let firstReadyMs: number | undefined;
  await eventually(async () => {
    const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'mooring.dev', version: 'v1alpha1', plural: 'buckets', namespace: ns })) as { items: Parameters<typeof condition>[0][] };
    const ready = list.items.filter((b) => condition(b, 'Ready')?.status === 'True').length;
    if (ready > 0) firstReadyMs ??= Date.now() - started;
    return ready === count;
  }, `${count} Buckets Ready`, 600_000);
  const allReadyMs = Date.now() - started;
  const createStats = await proxy.stats();

  // Then the whole lot deleted, finalizers and all.
  await proxy.resetStats();
  const deleteStart = Date.now();
  execFileSync(binaries().kubectl, ['--kubeconfig', info.kube!.kubeconfig, 'delete', '-f', file, '--wait=false'], { stdio: 'ignore' });
  await eventually(async () => {
    for (let i = 0; i < count; i++) if (await buckets.tryGet(ns, `bench-${String(i).padStart(4, '0')}-${ns}`)) return false;
    return true;
  }, `${count} Buckets deleted`, 600_000);
  const deleteMs = Date.now() - deleteStart;
  const deleteStats = await proxy.stats();

  const rss = peakRss(operator.pid!);
  operator.kill('SIGTERM');
  const result = {
    buckets: count,
    concurrency,
    applyMs: applied - started,
    firstReadyMs,
    allReadyMs,
    s3CallsToReady: createStats.byAction.s3 ?? 0,
    s3CallsPerBucket: Number(((createStats.byAction.s3 ?? 0) / count).toFixed(1)),
    deleteMs,
    s3CallsToDelete: deleteStats.byAction.s3 ?? 0,
    operatorPeakRssMiB: rss,
  };
  console.log(JSON.stringify(result, null, 2));
  await new Promise((r) => operator.once('exit', r));
} finally {
  await stack.stop();
}

/** The process's peak resident memory (VmHWM) in MiB, from /proc. */
function peakRss(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
