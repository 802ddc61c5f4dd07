// The Lease calls of leader election and shard membership through KubeClient, against a recording
// server (src/kube/recording-server.ts): method, path, content type and body.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MERGE_PATCH } from '../kube/client.ts';
import { recordingServer } from '../kube/recording-server.ts';
import { kubeLease } from './leader.ts';
import { kubeMembership } from './shards.ts';

const { kube, record, close } = await recordingServer();
after(close);

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
    // What the member tells the group rides on the renewal; null removes it (a merge patch).
    let said: Record<string, string | null> = { 'mooring.dev/throttled': '{"aws:1:route53":5}' };
    const telling = kubeMembership(kube, 'sys', 'shards', 'Pod_1', 15, () => said);
    const told = await record({ [`PATCH ${LEASES}/shards-pod-1`]: [200, lease('Pod_1', '3')] }, () => telling.renew());
    assert.deepEqual((told[0]?.body as { metadata: unknown }).metadata, { annotations: said });
    said = { 'mooring.dev/throttled': null };
    const madeQuiet = await record({ [`POST ${LEASES}`]: [201, lease('Pod_1', '1')] }, () => telling.renew());
    assert.deepEqual((madeQuiet[0]?.body as { metadata: unknown }).metadata, { annotations: said });
    assert.equal(((madeQuiet[1]?.body as { metadata: { annotations?: unknown } }).metadata.annotations), undefined, 'a new Lease is made without the removed annotation');
    let members;
    const other = { ...lease('Pod_2', '4'), metadata: { resourceVersion: '4', annotations: { 'mooring.dev/throttled': '{}' } } };
    const listed = await record({ [`GET ${LEASES}`]: [200, { items: [lease('Pod_1', '2'), lease('', '3'), other] }] }, async () => (members = await api.list()));
    assert.equal(listed[0]?.query, '?labelSelector=mooring.dev%2Fshard-group%3Dshards');
    assert.deepEqual(members, [
      { identity: 'Pod_1', resourceVersion: '2', durationSeconds: 15 },
      { identity: 'Pod_2', resourceVersion: '4', durationSeconds: 15, annotations: { 'mooring.dev/throttled': '{}' } },
    ]);
    const deleted = await record({ [`DELETE ${LEASES}/shards-pod-1`]: [200, {}] }, () => api.release());
    assert.deepEqual(deleted.map((c) => c.method), ['DELETE']);
  });
});
