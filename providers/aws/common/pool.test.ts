import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderConnection } from '../../../sdk/index.ts';
import { ClientPool } from './pool.ts';

class Fake {
  destroyed = false;
  readonly region: string;
  constructor(region: string) {
    this.region = region;
  }
  destroy() {
    this.destroyed = true;
  }
}

const connection = (secretAccessKey = 's1', name = 'pc'): ProviderConnection => ({ name, type: 'aws', region: 'eu-west-1', settings: {}, credentials: { accessKeyId: 'id', secretAccessKey } });

describe('ClientPool', () => {
  it('gives every pass on one ProviderConfig and region the same client', () => {
    let made = 0;
    const pool = new ClientPool((_c, region) => (made++, new Fake(region)));
    const a = pool.get(connection());
    assert.equal(pool.get(connection()), a, 'a fresh connection object with the same contents');
    assert.equal(a.region, 'eu-west-1', "the connection's own region by default");
    const other = pool.get(connection(), 'us-east-1');
    assert.notEqual(other, a);
    assert.equal(other.region, 'us-east-1');
    assert.notEqual(pool.get(connection('s1', 'other-pc')), a, 'another ProviderConfig, another client');
    assert.equal(made, 3);
  });

  it('destroys the old clients when the ProviderConfig changes (rotated credentials) and makes new ones', () => {
    const pool = new ClientPool((_c, region) => new Fake(region));
    const old = [pool.get(connection('s1')), pool.get(connection('s1'), 'us-east-1')];
    const fresh = pool.get(connection('s2'));
    assert.ok(old.every((c) => c.destroyed), 'both regions of the old credentials destroyed');
    assert.ok(!fresh.destroyed);
    assert.notEqual(fresh, old[0]);
  });

  it('destroy() ends every client', () => {
    const pool = new ClientPool((_c, region) => new Fake(region));
    const clients = [pool.get(connection()), pool.get(connection('s1', 'b'))];
    pool.destroy();
    assert.ok(clients.every((c) => c.destroyed));
  });
});
