// The REST calls the operator's apiserver users make through KubeClient, against a recording
// server: method, path, content type and body. What the real apiserver makes of them (merge
// patches, optimistic writes, MicroTime) is the integration suite's (bucket, secrets, leader, shards).
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { kubeLease } from '../cluster/leader.ts';
import { kubeMembership } from '../cluster/shards.ts';
import type { ManagedObject } from '../reconcile/types.ts';
import { KubeClient, MERGE_PATCH } from './client.ts';
import { crdDeletion } from './crds.ts';
import { KubeSecretStore } from './secrets.ts';
import { coreEventApi, KubeWriter } from './writer.ts';

interface Call {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  body: unknown;
}
const calls: Call[] = [];
/** Answers by `METHOD path`; unlisted: 404 with a Status. */
let answers: Record<string, [number, unknown]> = {};
const server = createServer((req, res) => {
  let text = '';
  req.on('data', (c: Buffer) => (text += c.toString()));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    calls.push({ method: req.method ?? '', path: url.pathname, query: url.search, contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
    const [status, body] = answers[`${req.method} ${url.pathname}`] ?? [404, { kind: 'Status', code: 404, reason: 'NotFound' }];
    reply(res, status, body);
  });
});
const reply = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
let kube: KubeClient;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kube = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tls: { rejectUnauthorized: true }, headers: async () => ({}) });
});
after(() => {
  kube.close();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs `act` with these answers; the calls it made. */
async function record(a: Record<string, [number, unknown]>, act: () => Promise<unknown>): Promise<Call[]> {
  answers = a;
  calls.length = 0;
  await act();
  return calls.map((c) => ({ ...c }));
}

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

describe('Leases', () => {
  const LEASES = '/apis/coordination.k8s.io/v1/namespaces/sys/leases';
  const micro = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
  const lease = (holder: string, rv: string) => ({ metadata: { resourceVersion: rv }, spec: { holderIdentity: holder, leaseDurationSeconds: 15, leaseTransitions: 0, renewTime: '2026-01-01T00:00:00.123000Z' } });

  it('leader: reads (missing: undefined), creates with MicroTime times, updates by a merge patch on the resourceVersion', async () => {
    const api = kubeLease(kube, 'sys', 'leader');
    await record({}, async () => assert.equal(await api.get(), undefined));
    const created = await record({ [`POST ${LEASES}`]: [201, lease('a', '1')] }, () => api.create({ holder: 'a', durationSeconds: 15, transitions: 0, acquireTime: '2026-01-01T00:00:00.123000Z', renewTime: '2026-01-01T00:00:00.123000Z' }));
    assert.deepEqual(created.map((c) => [c.method, c.path, (c.body as { spec: unknown }).spec]), [['POST', LEASES, { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0, acquireTime: '2026-01-01T00:00:00.123000Z', renewTime: '2026-01-01T00:00:00.123000Z' }]]);
    let updated;
    const patched = await record({ [`PATCH ${LEASES}/leader`]: [200, lease('b', '2')] }, async () => (updated = await api.update({ holder: 'b', durationSeconds: 15, transitions: 1, resourceVersion: '1', renewTime: '2026-01-01T00:00:01.000000Z' })));
    assert.deepEqual(patched.map((c) => [c.method, c.contentType, (c.body as { metadata: unknown }).metadata]), [['PATCH', MERGE_PATCH, { resourceVersion: '1' }]]);
    assert.deepEqual(updated, { holder: 'b', durationSeconds: 15, transitions: 0, acquireTime: undefined, renewTime: '2026-01-01T00:00:00.123000Z', resourceVersion: '2' });
  });

  it('membership: renews by a merge patch with a MicroTime, creates its labelled Lease when missing, lists the group, deletes its own', async () => {
    const api = kubeMembership(kube, 'sys', 'shards', 'Pod_1', 15);
    const created = await record({ [`POST ${LEASES}`]: [201, lease('Pod_1', '1')] }, () => api.renew());
    assert.deepEqual(created.map((c) => [c.method, c.path]), [['PATCH', `${LEASES}/shards-pod-1`], ['POST', LEASES]]);
    assert.deepEqual((created[1]?.body as { metadata: unknown }).metadata, { name: 'shards-pod-1', namespace: 'sys', labels: { 'mooring.dev/shard-group': 'shards' } });
    const renewed = await record({ [`PATCH ${LEASES}/shards-pod-1`]: [200, lease('Pod_1', '2')] }, () => api.renew());
    assert.match((renewed[0]?.body as { spec: { renewTime: string } }).spec.renewTime, micro);
    let members;
    const listed = await record({ [`GET ${LEASES}`]: [200, { items: [lease('Pod_1', '2'), lease('', '3'), lease('Pod_2', '4')] }] }, async () => (members = await api.list()));
    assert.equal(listed[0]?.query, '?labelSelector=mooring.dev%2Fshard-group%3Dshards');
    assert.deepEqual(members, [{ identity: 'Pod_1', resourceVersion: '2', durationSeconds: 15 }, { identity: 'Pod_2', resourceVersion: '4', durationSeconds: 15 }]);
    const deleted = await record({ [`DELETE ${LEASES}/shards-pod-1`]: [200, {}] }, () => api.release());
    assert.deepEqual(deleted.map((c) => c.method), ['DELETE']);
  });
});
