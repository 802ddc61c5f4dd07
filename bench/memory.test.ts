import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarise } from './footprint.ts';
import { against } from './goals.ts';
import { bySize, summariseSnapshot } from './memory.ts';
import { modulesByPackage, packageOf } from './modules.ts';

describe('the memory rows', () => {
  it('print a figure beside its goal: met at the goal, missed above it', () => {
    const goal = { atMost: 55, unit: 'MiB', ack: '49 MiB' };
    assert.deepEqual(against(goal, 55), { text: '≤ 55 MiB: met (ACK 49 MiB)', met: true });
    assert.deepEqual(against(goal, 56), { text: '≤ 55 MiB: MISSED (ACK 49 MiB)', met: false });
    assert.equal(against({ atMost: 3, unit: '' }, 2.5).text, '≤ 3: met');
  });

  it('split the resident set into the node binary, other files and anonymous memory', () => {
    const smaps = [
      '00400000-00800000 r-xp 00000000 08:01 1 /usr/bin/node', 'Rss: 2048 kB',
      '00800000-00900000 r--p 00000000 08:01 1 /usr/bin/node', 'Rss: 1024 kB',
      '7f000000-7f100000 r-xp 00000000 08:01 2 /lib/libc.so.6', 'Rss: 1024 kB',
      '7f200000-7f300000 rw-p 00000000 00:00 0 ', 'Rss: 3072 kB',
      '7f300000-7f400000 rw-p 00000000 00:00 0 [heap]', 'Rss: 1024 kB',
    ].join('\n');
    assert.deepEqual(summarise(smaps), { binary: 3, libraries: 1, anonymous: 4, rss: 8 });
  });

  it('name a module by its package: scoped, plain, the project\'s own, Node\'s', () => {
    assert.equal(packageOf('file:///app/node_modules/@aws-sdk/client-s3/dist-cjs/index.js'), '@aws-sdk/client-s3');
    assert.equal(packageOf('file:///app/node_modules/zod/v4/core/core.js'), 'zod');
    assert.equal(packageOf('file:///app/node_modules/a/node_modules/b/index.js'), 'b');
    assert.equal(packageOf('file:///app/dist/src/cli/main.js'), 'mooring');
    assert.equal(packageOf('node:http'), 'node: builtins');
    assert.equal(modulesByPackage(['node:http', 'node:fs', 'node:http', '']), 'node: builtins 2 files');
  });

  it('sum a heap snapshot by constructor for objects and by type for the rest', () => {
    const snapshot = {
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size'], node_types: [['hidden', 'object', 'string']] } },
      nodes: [1, 0, 1, 1048576, 1, 0, 2, 1048576, 2, 1, 3, 3145728, 0, 2, 4, 10],
      strings: ['Bucket', 'the contents of a string', 'system / Context'],
    };
    const sizes = summariseSnapshot(JSON.stringify(snapshot));
    assert.deepEqual([...sizes], [['Bucket', 2097152], ['(string)', 3145728], ['(hidden)', 10]]);
    assert.equal(bySize(sizes, 2), '(string) 3.0 MiB, Bucket 2.0 MiB');
  });
});
