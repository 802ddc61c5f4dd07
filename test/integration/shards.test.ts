// Three `mooring run --sharded` replicas split the Buckets: every Bucket is reconciled by exactly
// one of them; one replica SIGKILLed, its share moves to the two others within a lease duration,
// and again every Bucket has exactly one reconciler.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../src/api/common.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { eventually, objects, prepare, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const LEASE_S = 4;
const stack = useStack(['kube', 'aws']);
let kc: KubeConfig;
let ns: string;
let pc: string;
const children: ChildProcess[] = [];

before(async () => {
  ({ kc, ns, pc } = await prepare(stack));
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface Replica { id: string; log: string; process: ChildProcess }

function startReplica(id: string): Replica {
  const log = join(stack().dir, `operator-${ns}-${id}.log`);
  const child = spawn(process.execPath, [
    MAIN, 'run', '--kubeconfig', stack().kube!.kubeconfig, '--namespace', ns, '--log-level', 'debug', '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default',
    '--sharded', '--identity', id, '--lease-namespace', ns, '--lease-name', 'mooring-shards', '--resync-period', '5s',
    '--lease-duration', `${LEASE_S}s`, '--lease-renew-deadline', '3s', '--lease-retry-period', '500ms',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  child.stderr.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  children.push(child);
  return { id, log, process: child };
}

/** Log lines as JSON, from line `from` on. */
function lines(r: Replica, from = 0): Record<string, unknown>[] {
  if (!existsSync(r.log)) return [];
  return readFileSync(r.log, 'utf8').split('\n').slice(from).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
const lineCount = (r: Replica) => readFileSync(r.log, 'utf8').split('\n').length - 1;

/** For each Bucket name: which replicas made adapter calls for it (after the given line marks). */
function reconcilers(replicas: Replica[], marks: Map<string, number> = new Map()): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  for (const r of replicas) {
    for (const l of lines(r, marks.get(r.id) ?? 0)) {
      if (l.msg !== 'adapter call' || l.kind !== 'Bucket') continue;
      const name = String(l.name);
      if (!by.has(name)) by.set(name, new Set());
      by.get(name)!.add(r.id);
    }
  }
  return by;
}

const membersSeenBy = (r: Replica) => (lines(r).filter((l) => l.msg === 'shard members changed').at(-1)?.members as string[] | undefined) ?? [];

async function createReady(names: string[]): Promise<void> {
  for (const n of names) await objects(kc, 'buckets').create(ns, n, { providerConfigRef: { name: pc } });
  const api = kc.makeApiClient(CustomObjectsApi);
  await eventually(async () => {
    const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'buckets', namespace: ns })) as { items: ManagedObject[] };
    const ready = new Set(list.items.filter((b) => b.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((b) => b.metadata.name));
    return names.every((n) => ready.has(n));
  }, `${names.length} Buckets Ready`, 90_000);
}

describe('sharding', () => {
  it('splits the Buckets over three replicas, one reconciler each, and moves a killed replica\'s share', async () => {
    const replicas = ['shard-a', 'shard-b', 'shard-c'].map(startReplica);
    await eventually(async () => replicas.every((r) => membersSeenBy(r).length === 3), 'every replica sees all three members', 60_000);

    const first = Array.from({ length: 24 }, () => uniq('shard'));
    await createReady(first);
    const owners = reconcilers(replicas);
    for (const n of first) assert.equal(owners.get(n)?.size, 1, `${n} reconciled by ${[...(owners.get(n) ?? [])].join(', ')}`);
    const used = new Set(first.map((n) => [...owners.get(n)!][0]!));
    assert.equal(used.size, 3, 'all three replicas took a share');

    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const victimShare = first.filter((n) => owners.get(n)!.has(b.id));
    b.process.kill('SIGKILL');
    const marks = new Map([a, c].map((r) => [r.id, lineCount(r)]));
    await eventually(async () => membersSeenBy(a).length === 2 && membersSeenBy(c).length === 2, 'the survivors drop the killed replica', (LEASE_S + 5) * 1000);

    const second = Array.from({ length: 12 }, () => uniq('shard2'));
    await createReady(second);
    // The killed replica's Buckets are picked up by the survivors at the reshard or the next resync.
    await eventually(async () => victimShare.every((n) => reconcilers([a, c], marks).has(n)), 'the killed replica\'s share reconciled by survivors', 30_000);
    const after = reconcilers([a, c], marks);
    for (const n of [...second, ...victimShare]) assert.equal(after.get(n)?.size, 1, `${n} reconciled by ${[...(after.get(n) ?? [])].join(', ')} after the kill`);
  });
});
