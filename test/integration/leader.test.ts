// Two `mooring run --leader-elect` replicas on one Lease: only the leader reconciles; the standby is
// ready (caches warm) but idle; the leader SIGKILLed, the standby takes the Lease within the lease
// duration and converges what was created meanwhile.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { condition, eventually, objects, prepare, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const LEASE = { durationS: 4, renewS: 3, retryS: 0.5 };
const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
const replicas: ChildProcess[] = [];

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
});
after(() => {
  for (const r of replicas) r.kill('SIGKILL');
});

interface Replica {
  process: ChildProcess;
  log: string;
  /** The /metrics and probes URL it logged at start. */
  http: Promise<string>;
}

function startReplica(identity: string): Replica {
  const log = join(stack().dir, `operator-${ns}-${identity}.log`);
  const child = spawn(process.execPath, [
    MAIN, 'run', '--kubeconfig', stack().kube!.kubeconfig, '--namespace', ns, '--log-level', 'debug', '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default',
    '--leader-elect', '--identity', identity, '--lease-namespace', ns, '--lease-name', 'mooring-leader',
    '--lease-duration', `${LEASE.durationS}s`, '--lease-renew-deadline', `${LEASE.renewS}s`, '--lease-retry-period', `${LEASE.retryS * 1000}ms`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  replicas.push(child);
  const http = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      appendFileSync(log, chunk);
      const url = /"http":"(http:[^"]+)"/.exec(chunk.toString())?.[1];
      if (url) resolve(url);
    });
  });
  child.stderr.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  return { process: child, log, http };
}

const holder = async () => {
  try {
    return (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'mooring-leader', namespace: ns })).spec?.holderIdentity;
  } catch {
    return undefined;
  }
};
const adapterCalls = (r: Replica) => readFileSync(r.log, 'utf8').split('\n').filter((l) => l.includes('"adapter call"')).length;
const readyBucket = (name: string, timeoutMs: number) =>
  eventually(async () => condition(await objects(kc, 'buckets').get(ns, name), 'Ready')?.status === 'True', `Bucket ${name} Ready`, timeoutMs);

describe('leader election', () => {
  it('one replica reconciles; when it is killed the standby takes over within the lease duration', async () => {
    const a = startReplica('replica-a');
    await eventually(async () => (await holder()) === 'replica-a', 'replica-a leads', 30_000);
    const b = startReplica('replica-b');
    await eventually(async () => (await fetch(`${await b.http}/readyz`)).status === 200, 'the standby is ready (caches warm, leader known)', 30_000);

    const first = uniq('led');
    await objects(kc, 'buckets').create(ns, first, { providerConfigRef: { name: pc } });
    await readyBucket(first, 30_000);
    assert.ok(adapterCalls(a) > 0, 'the leader reconciled');
    assert.equal(adapterCalls(b), 0, 'the standby did not');
    assert.equal(await holder(), 'replica-a');

    a.process.kill('SIGKILL');
    const killedAt = Date.now();
    const second = uniq('failover');
    await objects(kc, 'buckets').create(ns, second, { providerConfigRef: { name: pc } });
    await readyBucket(second, 30_000);
    const failoverMs = Date.now() - killedAt;
    assert.equal(await holder(), 'replica-b');
    assert.ok(adapterCalls(b) > 0, 'the new leader reconciled');
    // Lease duration plus one retry, the reconcile itself and polling slack.
    assert.ok(failoverMs < (LEASE.durationS + LEASE.retryS) * 1000 + 5_000, `took over and converged in ${failoverMs} ms`);
    console.log(`# failover: leader killed → new Bucket Ready by the standby in ${failoverMs} ms (lease ${LEASE.durationS} s)`);
  });

  it('a leader stopped cleanly releases the Lease and a standby takes it within a retry period', async () => {
    const b = replicas.at(-1)!;
    const c = startReplica('replica-c');
    await eventually(async () => (await fetch(`${await c.http}/readyz`)).status === 200, 'replica-c ready as a standby', 30_000);
    const stoppedAt = Date.now();
    b.kill('SIGTERM');
    await eventually(async () => (await holder()) === 'replica-c', 'replica-c leads', 10_000);
    const takeoverMs = Date.now() - stoppedAt;
    assert.ok(takeoverMs < LEASE.durationS * 1000, `released, not left to expire (${takeoverMs} ms)`);
  });
});
