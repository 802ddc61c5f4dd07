// The short chaos run inside `npm test`: fixed seeds, a small population, about a minute of
// actions and faults each, on a stack of its own (the run restarts the apiserver and faults the
// cloud proxy, which would disturb the other test files on the shared stack). The long run is
// `npm run chaos` (docs/chaos.md).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../src/stack/index.ts';
import { formatReport, runChaos } from './runner.ts';

/** Seeds run on every `npm test`; a seed that once found a bug stays here as its regression. */
const SEEDS = [1, 2];
const SIZE = { buckets: 3, records: 3, databases: 2, rds: 1 };

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

describe('chaos (short)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: every invariant holds through 40 s of random actions and faults, and after`, async () => {
      const report = await runChaos({ stack, seed, durationMs: 40_000, settleTimeoutMs: 120_000, size: SIZE, checkEveryMs: 8000 });
      assert.deepEqual(report.violations, [], formatReport(report));
      assert.ok(report.checks.continuous > 0, 'the invariants were checked during the faults');
      assert.ok(Object.keys(report.faults).length > 0 && Object.keys(report.actions).length > 0);
    });
  }
});
