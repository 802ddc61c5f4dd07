import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imageNodeFlags } from './support.ts';

describe('imageNodeFlags', () => {
  it('takes NODE_OPTIONS (quoted or not) and the node flags of the exec-form ENTRYPOINT', () => {
    assert.deepEqual(imageNodeFlags('ENV NODE_OPTIONS="--a=1 --b"\nENTRYPOINT ["node", "--c", "main.js"]\n'), ['--a=1', '--b', '--c']);
    assert.deepEqual(imageNodeFlags('ENV NODE_OPTIONS=--a=1\nENTRYPOINT ["node", "main.js"]\n'), ['--a=1']);
    assert.deepEqual(imageNodeFlags('FROM x\n'), []);
  });

  it('reads the flags the Dockerfile gives the operator', () => {
    const flags = imageNodeFlags(readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8'));
    assert.ok(flags.includes('--optimize-for-size') && flags.includes('--max-semi-space-size=4'), flags.join(' '));
  });
});
