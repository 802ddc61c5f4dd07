import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceRef } from '../kube/listwatch.ts';
import type { ManagedObject } from '../reconcile/types.ts';
import { settle } from '../runtime/clock.ts';
import type { KubeObject, ListResult, ListWatch, WatchEvent } from '../runtime/informer.ts';
import { createLogger } from '../runtime/logger.ts';
import { ReferenceIndex } from './references.ts';

/** One named object's list/watch: the test plays the apiserver. */
class FakeListWatch implements ListWatch<KubeObject> {
  readonly ref: ResourceRef;
  items: KubeObject[] = [];
  emit: ((e: WatchEvent<KubeObject>) => void) | undefined;
  constructor(ref: ResourceRef, items: KubeObject[]) {
    this.ref = ref;
    this.items = items;
  }
  async list(): Promise<ListResult<KubeObject>> {
    return { items: this.items, resourceVersion: '1' };
  }
  async watch(_rv: string, onEvent: (e: WatchEvent<KubeObject>) => void) {
    this.emit = onEvent;
    return { abort: () => undefined };
  }
}

const object = (kind: string, name: string, spec: Record<string, unknown> = {}, namespace = 'team-a', atProvider?: Record<string, unknown>): ManagedObject => ({
  apiVersion: 'mooring.dev/v1alpha1', kind,
  metadata: { name, namespace, uid: `${kind}-${name}`, generation: 1 },
  spec,
  ...(atProvider ? { status: { atProvider } } : {}),
});

function setup(configMaps: Record<string, Record<string, string>> = {}, secrets: Record<string, Record<string, string>> = {}) {
  const cache = new Map<string, ManagedObject>();
  const enqueued: string[] = [];
  const watches: FakeListWatch[] = [];
  const index = new ReferenceIndex({
    kinds: [{ kind: 'DNSRecord', plural: 'dnsrecords', spec: undefined as never, references: ['valuesFrom'] }, { kind: 'Database', plural: 'databases', spec: undefined as never }],
    cached: (kind, namespace, name) => cache.get(`${kind}/${namespace}/${name}`),
    enqueue: (kind, namespace, name) => enqueued.push(`${kind}/${namespace}/${name}`),
    listWatch: (ref) => {
      const name = ref.fieldSelector?.replace('metadata.name=', '') ?? '';
      const data = configMaps[`${ref.namespace}/${name}`];
      const w = new FakeListWatch(ref, data ? [{ apiVersion: 'v1', kind: ref.kind, metadata: { name, namespace: ref.namespace ?? '', resourceVersion: '1' }, data } as KubeObject] : []);
      watches.push(w);
      return w;
    },
    readSecret: async (namespace, name) => secrets[`${namespace}/${name}`],
    log: createLogger({ level: 'silent' }),
  });
  const put = (kind: string, o: ManagedObject, before?: ManagedObject) => {
    cache.set(`${kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
    const h = index.handlersFor(kind);
    if (before) h.onUpdate(before, o);
    else h.onAdd(o);
  };
  return { index, cache, enqueued, watches, put };
}

const fromDb = { valuesFrom: [{ resourceFieldRef: { kind: 'Database', name: 'orders', field: 'address' } }] };

describe('ReferenceIndex', () => {
  it('enqueues a dependant when what it references reports a new value, not on other changes', () => {
    const s = setup();
    s.put('DNSRecord', object('DNSRecord', 'db', fromDb));
    const db = object('Database', 'orders');
    s.put('Database', db);
    assert.deepEqual(s.enqueued, ['DNSRecord/team-a/db'], 'the Database appearing wakes its dependant');
    s.enqueued.length = 0;
    const ready = object('Database', 'orders', {}, 'team-a', { host: 'orders.abc.rds.amazonaws.com' });
    s.put('Database', ready, db);
    assert.deepEqual(s.enqueued, ['DNSRecord/team-a/db'], 'its address known: the record is reconciled now');
    s.enqueued.length = 0;
    s.put('Database', { ...ready, metadata: { ...ready.metadata, generation: 2 } }, ready);
    assert.deepEqual(s.enqueued, [], 'a change that leaves status.atProvider alone wakes nobody');
  });

  it('keys everything by the referring object\'s namespace: an object of that name elsewhere is no dependency', () => {
    const s = setup();
    s.put('DNSRecord', object('DNSRecord', 'db', fromDb, 'team-b'));
    s.put('Database', object('Database', 'orders', {}, 'team-a', { host: 'a' }));
    assert.deepEqual(s.enqueued, []);
    assert.deepEqual(s.index.dependantsOf('Database', 'team-a', 'orders'), []);
    assert.deepEqual(s.index.dependantsOf('Database', 'team-b', 'orders'), ['DNSRecord/db']);
  });

  it('lists dependants for InUse, leaving out those being deleted, and wakes the referenced object when one goes', () => {
    const s = setup();
    const record = object('DNSRecord', 'db', fromDb);
    s.put('DNSRecord', record);
    assert.deepEqual(s.index.dependantsOf('Database', 'team-a', 'orders'), ['DNSRecord/db']);
    const deleting = { ...record, metadata: { ...record.metadata, deletionTimestamp: new Date().toISOString() } };
    s.put('DNSRecord', deleting, record);
    assert.deepEqual(s.index.dependantsOf('Database', 'team-a', 'orders'), []);
    s.enqueued.length = 0;
    s.index.handlersFor('DNSRecord').onDelete(deleting);
    assert.deepEqual(s.enqueued, ['Database/team-a/orders'], 'the held Database is looked at again at once');
  });

  it('finds a cycle through the references', () => {
    const s = setup();
    const to = (name: string) => ({ valuesFrom: [{ resourceFieldRef: { kind: 'DNSRecord', name, field: 'fqdn' } }] });
    s.put('DNSRecord', object('DNSRecord', 'a', to('b')));
    s.put('DNSRecord', object('DNSRecord', 'b', to('c')));
    assert.equal(s.index.cycle('DNSRecord', 'team-a', 'a'), undefined);
    s.put('DNSRecord', object('DNSRecord', 'c', to('a')));
    assert.deepEqual(s.index.cycle('DNSRecord', 'team-a', 'a'), ['DNSRecord/a', 'DNSRecord/b', 'DNSRecord/c']);
    s.put('DNSRecord', object('DNSRecord', 'self', to('self')));
    assert.deepEqual(s.index.cycle('DNSRecord', 'team-a', 'self'), ['DNSRecord/self']);
  });

  it('watches a named ConfigMap by name in the referring namespace only, reads only the key, and wakes dependants on a change', async () => {
    const s = setup({ 'team-a/net': { sg: 'sg-0123456789abcdef0', other: 'x' } });
    s.put('DNSRecord', object('DNSRecord', 'r', { valuesFrom: [{ configMapKeyRef: { name: 'net', key: 'sg' } }] }));
    assert.deepEqual(s.watches.map((w) => [w.ref.plural, w.ref.namespace, w.ref.fieldSelector]), [['configmaps', 'team-a', 'metadata.name=net']]);
    await settle();
    assert.deepEqual(await s.index.key('ConfigMap', 'team-a', 'net', 'sg'), { value: 'sg-0123456789abcdef0' });
    assert.deepEqual(await s.index.key('ConfigMap', 'team-a', 'net', 'nope'), { missing: 'ConfigMap/net has no key nope' });
    assert.deepEqual(await s.index.key('ConfigMap', 'team-b', 'net', 'sg'), { missing: 'ConfigMap/net not read yet' }, 'another namespace\'s ConfigMap of that name is never read');
    s.enqueued.length = 0;
    s.watches[0]?.emit?.({ type: 'MODIFIED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'net', namespace: 'team-a', resourceVersion: '2' }, data: { sg: 'sg-0fedcba9876543210' } } as KubeObject });
    assert.deepEqual(s.enqueued, ['DNSRecord/team-a/r']);
    assert.deepEqual(await s.index.key('ConfigMap', 'team-a', 'net', 'sg'), { value: 'sg-0fedcba9876543210' });
    s.index.stop();
  });

  it('never watches a Secret: it is read by name, in the asking namespace, on each pass', async () => {
    const s = setup({}, { 'team-a/creds': { token: 'abcdefghijkl' } });
    s.put('DNSRecord', object('DNSRecord', 'r', { valuesFrom: [{ secretKeyRef: { name: 'creds', key: 'token' } }] }));
    assert.deepEqual(s.watches, [], 'no Secret watch');
    assert.deepEqual(await s.index.key('Secret', 'team-a', 'creds', 'token'), { value: 'abcdefghijkl' });
    assert.deepEqual(await s.index.key('Secret', 'team-b', 'creds', 'token'), { missing: 'Secret/creds does not exist in this namespace' });
  });
});
