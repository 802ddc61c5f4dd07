import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OPERATOR_ENV, OPERATOR_V8_FLAGS } from '../src/runtime/node-flags.ts';
import { imageNodeFlags } from './support.ts';

describe('imageNodeFlags', () => {
  it('takes NODE_OPTIONS (quoted or not) and the node flags of the exec-form ENTRYPOINT', () => {
    assert.deepEqual(imageNodeFlags('ENV NODE_OPTIONS="--a=1 --b"\nENTRYPOINT ["node", "--c", "main.js"]\n'), ['--a=1', '--b', '--c']);
    assert.deepEqual(imageNodeFlags('ENV NODE_OPTIONS=--a=1\nENTRYPOINT ["node", "main.js"]\n'), ['--a=1']);
    assert.deepEqual(imageNodeFlags('FROM x\n'), []);
  });

  it('reads the flags the Dockerfile gives the operator: every V8 flag the operator runs with (the sandbox too)', () => {
    const flags = imageNodeFlags(readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8'));
    assert.deepEqual(OPERATOR_V8_FLAGS.filter((f) => !flags.includes(f)), [], flags.join(' '));
  });

  it('the Dockerfile sets the environment the operator runs with (the bench and the sandbox take it from node-flags.ts)', () => {
    const dockerfile = readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8');
    for (const [name, value] of Object.entries(OPERATOR_ENV)) assert.match(dockerfile, new RegExp(`^ENV ${name}=${value}$`, 'm'), name);
  });
});
