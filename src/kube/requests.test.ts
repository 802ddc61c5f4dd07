// The REST calls the operator's apiserver users make through KubeClient, against a recording
// server: method, path, content type and body. What the real apiserver makes of them (merge
// patches, optimistic writes, MicroTime) is the integration suite's (bucket, secrets, leader, shards).
// The Leases' calls are src/cluster/leases.test.ts's.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ManagedObject } from '../reconcile/types.ts';
import { MERGE_PATCH } from './client.ts';
import { crdDeletion } from './crds.ts';
import { recordingServer } from './recording-server.ts';
import { KubeSecretStore } from './secrets.ts';
import { coreEventApi, KubeWriter } from './writer.ts';

const { kube, record, close } = await recordingServer();
after(close);

const BUCKET = '/apis/mooring.dev/v1alpha1/namespaces/ns/buckets/b';
const object = { apiVersion: 'mooring.dev/v1alpha1', kind: 'Bucket', metadata: { name: 'b', namespace: 'ns', uid: 'u1', resourceVersion: '7' } } as ManagedObject;

describe('KubeWriter and Events', () => {
  const writer = () => new KubeWriter(kube, 'buckets');
  it('sets finalizers by a merge patch on the resourceVersion read, annotations beside them', async () => {
    const got = await record({ [`PATCH ${BUCKET}`]: [200, object] }, () => writer().setFinalizers(object, ['mooring.dev/cleanup'], { 'mooring.dev/pending': 'x' }));
    assert.deepEqual(got, [{ method: 'PATCH', path: BUCKET, query: '', contentType: MERGE_PATCH, body: { metadata: { finalizers: ['mooring.dev/cleanup'], resourceVersion: '7', annotations: { 'mooring.dev/pending': 'x' } } } }]);
  });

  it('patches annotations without a resourceVersion, and status through the status subresource', async () => {
    const w = writer();
    const got = await record({ [`PATCH ${BUCKET}`]: [200, object], [`PATCH ${BUCKET}/status`]: [200, object] }, async () => {
      await w.setAnnotations(object, { a: null });
      await w.writeStatus(object, { conditions: [] });
    });
    assert.deepEqual(got.map((c) => [c.method, c.path, c.contentType, c.body]), [
      ['PATCH', BUCKET, MERGE_PATCH, { metadata: { annotations: { a: null } } }],
      ['PATCH', `${BUCKET}/status`, MERGE_PATCH, { status: { atProvider: null, plan: null, conditions: [] } }],
    ]);
    assert.deepEqual([w.requests, w.statusWrites], [2, 1]);
  });

  it('replaces atProvider whole: a field it no longer has, at any depth, is cleared by name in the merge patch', async () => {
    const before = { ...object, status: { atProvider: { arn: 'a', host: 'h', insights: { enabled: true, retentionDays: 7 } } } } as ManagedObject;
    const got = await record({ [`PATCH ${BUCKET}/status`]: [200, object] }, () => writer().writeStatus(before, { conditions: [], atProvider: { arn: 'a', insights: { enabled: false } } }));
    assert.deepEqual(got[0]?.body, { status: { atProvider: { arn: 'a', host: null, insights: { enabled: false, retentionDays: null } }, plan: null, conditions: [] } });
  });

  it('creates Events and patches their count', async () => {
    const events = coreEventApi(kube);
    const got = await record({ 'POST /api/v1/namespaces/ns/events': [201, { metadata: { name: 'b.1' } }], 'PATCH /api/v1/namespaces/ns/events/b.1': [200, {}] }, async () => {
      assert.equal((await events.create('ns', { reason: 'Created' })).metadata?.name, 'b.1');
      await events.patchCount('ns', 'b.1', 2, '2026-01-01T00:00:00.000Z');
    });
    assert.deepEqual(got.map((c) => [c.method, c.path, c.contentType, c.body]), [
      ['POST', '/api/v1/namespaces/ns/events', 'application/json', { reason: 'Created' }],
      ['PATCH', '/api/v1/namespaces/ns/events/b.1', MERGE_PATCH, { count: 2, lastTimestamp: '2026-01-01T00:00:00.000Z' }],
    ]);
  });
});

describe('KubeSecretStore', () => {
  const SECRET = '/api/v1/namespaces/ns/secrets/conn';
  const stored = { metadata: { name: 'conn', namespace: 'ns', resourceVersion: '3', annotations: { a: 'b' }, ownerReferences: [{ uid: 'u1' }, { uid: 'u2' }] }, data: { password: Buffer.from('pw').toString('base64') } };
  const body = { namespace: 'ns', name: 'conn', type: 'Opaque', data: { password: 'pw' }, annotations: {}, labels: {}, owner: { apiVersion: 'v', kind: 'Bucket', name: 'b', uid: 'u1' } };

  it('reads a Secret decoded, and a missing one as undefined', async () => {
    const store = new KubeSecretStore(kube);
    await record({ [`GET ${SECRET}`]: [200, stored] }, async () => assert.deepEqual(await store.read('ns', 'conn'), { data: { password: 'pw' }, annotations: { a: 'b' }, resourceVersion: '3' }));
    await record({}, async () => assert.equal(await store.read('ns', 'conn'), undefined));
  });

  it('creates a Secret, or replaces it on the resourceVersion read', async () => {
    const store = new KubeSecretStore(kube);
    const created = await record({ 'POST /api/v1/namespaces/ns/secrets': [201, stored] }, () => store.write(body, undefined));
    assert.deepEqual(created.map((c) => [c.method, c.path, (c.body as typeof stored).data]), [['POST', '/api/v1/namespaces/ns/secrets', { password: 'cHc=' }]]);
    const replaced = await record({ [`PUT ${SECRET}`]: [200, stored] }, () => store.write(body, { data: {}, annotations: {}, resourceVersion: '3' }));
    assert.deepEqual(replaced.map((c) => [c.method, c.path, (c.body as typeof stored).metadata.resourceVersion]), [['PUT', SECRET, '3']]);
  });

  it('releases its owner reference by a replace that keeps the others', async () => {
    const got = await record({ [`GET ${SECRET}`]: [200, stored], [`PUT ${SECRET}`]: [200, stored] }, () => new KubeSecretStore(kube).release('ns', 'conn', 'u1'));
    assert.deepEqual(got.map((c) => c.method), ['GET', 'PUT']);
    assert.deepEqual((got[1]?.body as typeof stored).metadata.ownerReferences, [{ uid: 'u2' }]);
  });
});

describe('crdDeletion', () => {
  const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/buckets.mooring.dev';
  const cases: { reason: string; answer: [number, unknown] | undefined; want: boolean | 'throws' }[] = [
    { reason: 'a live CRD', answer: [200, { metadata: { name: 'buckets.mooring.dev' } }], want: false },
    { reason: 'a CRD being deleted', answer: [200, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }], want: true },
    { reason: 'a CRD gone', answer: undefined, want: true },
    { reason: 'a refusal', answer: [403, { kind: 'Status', code: 403, message: 'forbidden' }], want: 'throws' },
  ];
  for (const c of cases) {
    it(`says ${String(c.want)} for ${c.reason}`, async () => {
      const read = crdDeletion(kube, 'buckets');
      await record(c.answer ? { [`GET ${CRD}`]: c.answer } : {}, async () => {
        if (c.want === 'throws') await assert.rejects(read(), { code: 403 });
        else assert.equal(await read(), c.want);
      });
    });
  }
});
