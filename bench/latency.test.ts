import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { floorRate, ownership } from './latency.ts';

describe('floorRate', () => {
  it('is concurrency over the time the calls of one Bucket take one after another', () => {
    assert.equal(floorRate(6, 50, 4), 4 / 0.3);
    assert.equal(floorRate(5, 100, 10), 20);
  });
});

describe('ownership', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-latency-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const log = (name: string, lines: object[]) => {
    const file = join(dir, name);
    writeFileSync(file, [...lines.map((l) => JSON.stringify(l)), 'not json: a stray line from Node', '{"msg":"adapter call","kind":"Buck'].join('\n'));
    return file;
  };
  const call = (name: string, op: string, kind = 'Bucket') => ({ level: 20, msg: 'adapter call', kind, name, op });

  it('counts the replicas that made adapter calls for each Bucket, and observes per Bucket', () => {
    const a = log('a.log', [call('b1', 'observe'), call('b1', 'create'), call('b2', 'observe'), call('r1', 'observe', 'DNSRecord'), { msg: 'shard members changed', members: ['a', 'b'] }]);
    const b = log('b.log', [call('b3', 'observe'), call('b3', 'observe')]);
    assert.deepEqual(ownership([a, b], 3), { objects: 3, shared: 0, observesPerObject: 4 / 3, largestShare: 2 });
  });

  it('finds a Bucket two replicas reconciled, and skips a missing log and a line cut short', () => {
    const a = log('c.log', [call('b1', 'observe')]);
    const b = log('d.log', [call('b1', 'observe'), call('b2', 'observe')]);
    assert.deepEqual(ownership([a, b, join(dir, 'none.log')], 3), { objects: 2, shared: 1, observesPerObject: 1, largestShare: 2 });
  });
});
