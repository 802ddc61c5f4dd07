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

const configMap = (namespace: string, name: string, data: Record<string, string>, resourceVersion = '1') =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion }, data }) as KubeObject;

/** `secrets`: data by `namespace/name`; labelled referenceable unless `labels` says otherwise. */
function setup(configMaps: Record<string, Record<string, string>> = {}, secrets: Record<string, Record<string, string>> = {}, maxNamedConfigMapWatches?: number, labels: Record<string, Record<string, string>> = {}) {
  const cache = new Map<string, ManagedObject>();
  const enqueued: string[] = [];
  const watches: FakeListWatch[] = [];
  const index = new ReferenceIndex({
    kinds: [{ kind: 'DNSRecord', plural: 'dnsrecords', spec: undefined as never, references: ['valuesFrom'] }, { kind: 'Database', plural: 'databases', spec: undefined as never }],
    cached: (kind, namespace, name) => cache.get(`${kind}/${namespace}/${name}`),
    enqueue: (kind, namespace, name) => enqueued.push(`${kind}/${namespace}/${name}`),
    listWatch: (ref) => {
      // By name (a field selector) or the namespace's every ConfigMap.
      const name = ref.fieldSelector?.replace('metadata.name=', '');
      const items = Object.entries(configMaps)
        .map(([at, data]) => ({ ns: at.split('/')[0] ?? '', n: at.split('/')[1] ?? '', data }))
        .filter((c) => c.ns === ref.namespace && (name === undefined || c.n === name))
        .map((c) => configMap(c.ns, c.n, c.data));
      const w = new FakeListWatch(ref, items);
      watches.push(w);
      return w;
    },
    readSecret: async (namespace, name) => {
      const data = secrets[`${namespace}/${name}`];
      const b64 = (v: string) => Buffer.from(v).toString('base64');
      const at = `${namespace}/${name}`;
      return data && { metadata: { labels: labels[at] ?? { 'mooring.dev/referenceable': 'true' } }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
    },
    ...(maxNamedConfigMapWatches === undefined ? {} : { maxNamedConfigMapWatches }),
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

  it('wakes what a dependant stops referencing: a delete held for it goes on at once', () => {
    const s = setup();
    const record = object('DNSRecord', 'db', fromDb);
    s.put('DNSRecord', record);
    s.enqueued.length = 0;
    s.put('DNSRecord', { ...object('DNSRecord', 'db', { values: ['192.0.2.1'] }), metadata: { ...record.metadata, generation: 2 } }, record);
    assert.deepEqual(s.enqueued, ['Database/team-a/orders']);
    assert.deepEqual(s.index.dependantsOf('Database', 'team-a', 'orders'), []);
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

  it('wakes the other members of a cycle that a spec closes or breaks: refused at once, or free to go on, not at the resync', () => {
    const s = setup();
    const to = (name: string) => ({ valuesFrom: [{ resourceFieldRef: { kind: 'DNSRecord', name, field: 'fqdn' } }] });
    s.put('DNSRecord', object('DNSRecord', 'a', to('b')));
    s.put('DNSRecord', object('DNSRecord', 'b', to('c')));
    const c = object('DNSRecord', 'c', to('x'));
    s.put('DNSRecord', c);
    s.enqueued.length = 0;
    const closing = { ...object('DNSRecord', 'c', to('a')), metadata: { ...c.metadata, generation: 2 } };
    s.put('DNSRecord', closing, c);
    assert.deepEqual(s.enqueued.sort(), ['DNSRecord/team-a/a', 'DNSRecord/team-a/b', 'DNSRecord/team-a/x'], 'closed: a and b are on it too (and x, no longer referenced)');
    s.enqueued.length = 0;
    const breaking = { ...object('DNSRecord', 'c', to('x')), metadata: { ...c.metadata, generation: 3 } };
    s.put('DNSRecord', breaking, closing);
    assert.deepEqual(s.enqueued.sort(), ['DNSRecord/team-a/a', 'DNSRecord/team-a/b'], 'broken: a and b may resolve now');
    s.enqueued.length = 0;
    s.put('DNSRecord', { ...breaking, metadata: { ...c.metadata, generation: 4 } }, breaking);
    assert.deepEqual(s.enqueued, [], 'the same references: nobody woken');
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

  it('refuses a Secret its owner did not label referenceable', async () => {
    const s = setup({}, { 'team-a/db-admin': { password: 'hunter2hunter2' } }, undefined, { 'team-a/db-admin': {} });
    assert.deepEqual(await s.index.key('Secret', 'team-a', 'db-admin', 'password'), {
      refused: 'Secret/db-admin is not labelled mooring.dev/referenceable: "true"; its owner must label it before references may read it',
    });
  });

  const readsKey = (name: string, key = 'v') => ({ valuesFrom: [{ configMapKeyRef: { name, key } }] });
  const open = (s: ReturnType<typeof setup>) => s.index.configMaps.open();

  it('watches at most N ConfigMaps of a namespace by name; past that one namespace-wide watch, kept until it names at most N/2', async () => {
    const maps = Object.fromEntries(['a', 'b', 'c', 'd'].map((n) => [`team-a/cm-${n}`, { v: `value-${n}` }]));
    const s = setup({ ...maps, 'team-b/cm-x': { v: 'x' } }, {}, 2);
    s.put('DNSRecord', object('DNSRecord', 'x', readsKey('cm-x'), 'team-b'));
    s.put('DNSRecord', object('DNSRecord', 'a', readsKey('cm-a')));
    s.put('DNSRecord', object('DNSRecord', 'b', readsKey('cm-b')));
    assert.deepEqual(open(s), ['team-a/cm-a', 'team-a/cm-b', 'team-b/cm-x']);
    s.put('DNSRecord', object('DNSRecord', 'c', readsKey('cm-c')));
    assert.deepEqual(open(s), ['team-a/*', 'team-b/cm-x'], 'the third name: one watch for team-a, the named ones closed; team-b untouched');
    s.put('DNSRecord', object('DNSRecord', 'd', readsKey('cm-d')));
    await settle();
    for (const n of ['a', 'b', 'c', 'd']) assert.deepEqual(await s.index.key('ConfigMap', 'team-a', `cm-${n}`, 'v'), { value: `value-${n}` });
    const wide = s.watches.findLast((w) => w.ref.namespace === 'team-a' && !w.ref.fieldSelector);
    s.enqueued.length = 0;
    wide?.emit?.({ type: 'MODIFIED', object: configMap('team-a', 'cm-b', { v: 'new' }, '2') });
    wide?.emit?.({ type: 'ADDED', object: configMap('team-a', 'unrelated', { v: 'y' }, '3') });
    assert.deepEqual(s.enqueued, ['DNSRecord/team-a/b'], 'a named ConfigMap changing wakes its dependant; an unnamed one wakes nobody');
    for (const n of ['d', 'c']) s.index.handlersFor('DNSRecord').onDelete(object('DNSRecord', n, readsKey(`cm-${n}`)));
    assert.deepEqual(open(s), ['team-a/*', 'team-b/cm-x'], 'two names left (not at most 1): still one watch, no flapping');
    s.index.handlersFor('DNSRecord').onDelete(object('DNSRecord', 'b', readsKey('cm-b')));
    assert.deepEqual(open(s), ['team-a/cm-a', 'team-b/cm-x'], 'one name left: back to watching it by name');
    await settle();
    assert.deepEqual(await s.index.key('ConfigMap', 'team-a', 'cm-a', 'v'), { value: 'value-a' });
    s.index.stop();
    assert.deepEqual(open(s), []);
  });

  it('keeps only the keys references read, values within the bound, and re-lists when another key is wanted', async () => {
    const big = 'x'.repeat(5000);
    const s = setup({ 'team-a/net': { sg: 'sg-1', other: big, huge: big }, 'team-a/junk': { blob: big } }, {}, 0);
    s.put('DNSRecord', object('DNSRecord', 'r', readsKey('net', 'sg')));
    s.put('DNSRecord', object('DNSRecord', 'h', readsKey('net', 'huge')));
    assert.deepEqual(open(s), ['team-a/*'], '0: the namespace-wide watch at once');
    await settle();
    assert.deepEqual(s.index.configMaps.get('team-a', 'net'), { kind: 'ConfigMap', metadata: { name: 'net', namespace: 'team-a', resourceVersion: '1', uid: undefined }, data: { sg: 'sg-1' }, oversized: { huge: 5000 } });
    assert.deepEqual(s.index.configMaps.get('team-a', 'junk'), { kind: 'ConfigMap', metadata: { name: 'junk', namespace: 'team-a', resourceVersion: '1', uid: undefined }, data: {}, oversized: {} }, 'a ConfigMap no reference names: nothing of its data kept');
    assert.deepEqual(await s.index.key('ConfigMap', 'team-a', 'net', 'huge'), { missing: 'ConfigMap/net key huge holds 5000 bytes, more than a referenced value may (4096)' });
    const before = s.watches.length;
    s.put('DNSRecord', object('DNSRecord', 'r2', readsKey('net', 'sg')));
    assert.equal(s.watches.length, before, 'a key already kept: no re-list');
    s.put('DNSRecord', object('DNSRecord', 'j', readsKey('junk', 'blob')));
    assert.equal(s.watches.length, before + 1, 'a key dropped on the way in: the watch re-lists');
    assert.deepEqual(open(s), ['team-a/*']);
    await settle();
    assert.deepEqual(await s.index.key('ConfigMap', 'team-a', 'junk', 'blob'), { missing: 'ConfigMap/junk key blob holds 5000 bytes, more than a referenced value may (4096)' });
    s.index.stop();
  });

  it('strips a ConfigMap watched by name too', async () => {
    const s = setup({ 'team-a/net': { sg: 'sg-1', note: 'small', other: 'x'.repeat(100_000) } });
    s.put('DNSRecord', object('DNSRecord', 'r', readsKey('net', 'sg')));
    await settle();
    const cached = s.index.configMaps.get('team-a', 'net');
    assert.deepEqual(cached !== 'unsynced' && cached?.data, { sg: 'sg-1' });
    s.index.stop();
  });
});
