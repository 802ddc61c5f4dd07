// Three `mooring run --sharded` replicas split the Buckets: every Bucket is reconciled by exactly
// one of them; one replica SIGKILLed, its share moves to the two others within a lease duration,
// and again every Bucket has exactly one reconciler.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../src/api/common.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { eventually, objects, prepare, uniq } from '../support/kube.ts';
import { lineCount, lines, membersSeenBy, startReplica as startReplicaOf, type Replica } from '../support/replicas.ts';
import { useStack } from '../support/stack.ts';

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

const startReplica = (id: string): Replica => {
  const r = startReplicaOf(stack(), id, { namespace: ns, leaseSeconds: LEASE_S, args: ['--resync-period', '5s'] });
  children.push(r.process);
  return r;
};

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
