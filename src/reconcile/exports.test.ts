import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../../sdk/index.ts';
import { EXPORTED_BY, publishExport, type ConfigMapBody, type ConfigMapStore, type StoredConfigMap } from './exports.ts';
import { Reason } from './reasons.ts';
import type { ManagedObject } from './types.ts';

class FakeConfigMaps implements ConfigMapStore {
  maps = new Map<string, StoredConfigMap>();
  writes: ConfigMapBody[] = [];
  async read(namespace: string, name: string) {
    return this.maps.get(`${namespace}/${name}`);
  }
  async write(body: ConfigMapBody, previous: StoredConfigMap | undefined) {
    assert.equal(previous?.resourceVersion, this.maps.get(`${body.namespace}/${body.name}`)?.resourceVersion, 'written on what was read');
    this.writes.push(body);
    this.maps.set(`${body.namespace}/${body.name}`, { data: body.data, labels: body.labels, owners: [body.owner.uid], resourceVersion: String(this.writes.length) });
  }
}

const bucket: ManagedObject = { apiVersion: 'mooring.dev/v1alpha1', kind: 'Bucket', metadata: { name: 'assets', namespace: 'team-a', uid: 'u-1', generation: 1 }, spec: {} };

describe('spec.exportTo', () => {
  it('writes the non-secret status fields into a ConfigMap the object owns, again only when they change', async () => {
    const store = new FakeConfigMaps();
    await publishExport(store, bucket, 'assets-info', { name: 'assets', region: 'eu-west-1', arn: 'arn:aws:s3:::assets', objectsLeft: 3 });
    assert.deepEqual(store.maps.get('team-a/assets-info')?.data, { name: 'assets', region: 'eu-west-1', arn: 'arn:aws:s3:::assets', regionalDomainName: 'assets.s3.eu-west-1.amazonaws.com' });
    assert.equal(store.writes[0]?.labels[EXPORTED_BY], 'u-1');
    assert.deepEqual(store.writes[0]?.owner, { apiVersion: 'mooring.dev/v1alpha1', kind: 'Bucket', name: 'assets', uid: 'u-1' });
    await publishExport(store, bucket, 'assets-info', { name: 'assets', region: 'eu-west-1', arn: 'arn:aws:s3:::assets' });
    assert.equal(store.writes.length, 1, 'unchanged: not written again');
    await publishExport(store, bucket, 'assets-info', { name: 'assets', region: 'eu-central-1', arn: 'arn:aws:s3:::assets' });
    assert.equal(store.maps.get('team-a/assets-info')?.data.region, 'eu-central-1', 'kept in step');
  });

  it('never takes over a ConfigMap it did not create (another app\'s, or another object\'s export)', async () => {
    const foreigns: StoredConfigMap[] = [
      { data: { DATABASE_URL: 'x' }, labels: {}, owners: [], resourceVersion: '7' },
      { data: {}, labels: { [EXPORTED_BY]: 'u-other' }, owners: ['u-other'], resourceVersion: '7' },
      { data: {}, labels: { [EXPORTED_BY]: 'u-1' }, owners: [], resourceVersion: '7' },
    ];
    for (const foreign of foreigns) {
      const store = new FakeConfigMaps();
      store.maps.set('team-a/app-config', foreign);
      await assert.rejects(publishExport(store, bucket, 'app-config', { name: 'assets', region: 'r' }), (err: unknown) => err instanceof TerminalError && err.reason === Reason.ExportConflict);
      assert.deepEqual(store.writes, [], 'left untouched');
    }
  });
});
