// ZoneRecords: listings shared by freshness, the known listing kept true by our own writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { AwsCaller } from '../common/client.ts';
import { ZoneRecords } from './zones.ts';

/** A limiter that holds every request until the test lets it go, and a zone of one record set. */
function setup() {
  let clock = 0;
  const held: (() => void)[] = [];
  let lists = 0;
  const aws = { call: (_what: string, fn: () => Promise<unknown>) => new Promise<void>((go) => held.push(go)).then(fn) } as unknown as AwsCaller;
  const r53 = {
    send: async () => {
      lists++;
      return { ResourceRecordSets: [{ Name: 'a.example.test.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }], IsTruncated: false };
    },
  } as unknown as Route53Client;
  const records = new ZoneRecords(r53, aws, () => undefined, () => clock);
  const release = async () => {
    held.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { records, release, advance: (ms: number) => (clock += ms), lists: () => lists };
}

describe('ZoneRecords', () => {
  it('lets a listing still queued at the limiter serve any freshness asked; once sent, only what is no older', async () => {
    const { records, release, advance, lists } = setup();
    const first = records.records('Z1', 0);
    advance(10_000);
    assert.equal(records.records('Z1', 10_000), first, 'queued for 10 s: still fresher than asked, joined');
    await release();
    await first;
    advance(1_000);
    assert.equal(records.records('Z1', 10_000), first, 'sent at 10 s: fresh enough for 10 s');
    assert.notEqual(records.records('Z1', 10_001), first, 'not for later');
    assert.equal(lists(), 1);
  });

  it('knows the zone once a listing arrived, keeps it true by our writes, and forgets it after a write of unknown outcome', async () => {
    const { records, release, advance } = setup();
    const listing = records.records('Z1', 0);
    assert.equal(records.known('Z1'), undefined, 'nothing known before it arrives');
    advance(5);
    await release();
    await listing;
    assert.ok(records.known('Z1')?.has('a.example.test.|A|'));
    assert.equal(records.knownSince('Z1'), 5, 'as fresh as when its request left the limiter');
    records.applied('Z1', [{ action: 'CREATE', recordSet: { name: 'b.example.test.', type: 'A', ttl: 60, values: ['192.0.2.2'] } }, { action: 'DELETE', recordSet: { name: 'a.example.test.', type: 'A' } }]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([...records.known('Z1')!.keys()], ['b.example.test.|A|']);
    records.uncertain('Z1');
    assert.equal(records.known('Z1'), undefined);
  });
});
