// Route 53's side of the batcher: its limits and how its refusals name a record. Timing, planning,
// halving and stopping at throttling are the SDK's, tested in sdk/batch.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, ZoneBatcher, type BatchPort, type DnsChange, type DnsRecordSet } from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { route53BatchOptions, type BatchOptions, type ChangeInfo } from './batcher.ts';

/** A zone that refuses any batch holding a bad name, naming it the way Route 53 does. */
class FakeZone implements BatchPort<string, DnsChange, ChangeInfo> {
  calls: string[][] = [];
  bad = new Set<string>();
  valueLength = 10;
  action: DnsChange['action'] = 'UPSERT';

  async plan(_zone: string, intents: string[]) {
    return intents.map((name) => ({ changes: [{ action: this.action, recordSet: this.rs(name) }] }));
  }

  async send(_zone: string, changes: DnsChange[]) {
    const names = changes.map((c) => c.recordSet.name);
    this.calls.push(names);
    const bad = names.filter((n) => this.bad.has(n));
    if (bad.length) throw new TerminalError(AwsReason.InvalidChange, `InvalidChangeBatch: [Invalid Resource Record: FATAL problem: ${bad.map((n) => `'${n}'`).join(', ')}]`);
    return { id: `C${this.calls.length}`, status: 'PENDING' };
  }

  rs(name: string): DnsRecordSet {
    return { name, type: 'TXT', ttl: 300, values: ['x'.repeat(this.valueLength)] };
  }
}

/** What the DNS kit makes of the options: a ZoneBatcher of Route 53 change batches. */
const route53Batcher = (zone: FakeZone, options: BatchOptions) => new ZoneBatcher(zone, route53BatchOptions(options));

const names = (n: number) => Array.from({ length: n }, (_, i) => `r${i}.`);

describe('route53BatchOptions', () => {
  it('resolves each change with the Route 53 change that carried it', async () => {
    const zone = new FakeZone();
    const batcher = route53Batcher(zone, { windowMs: 20 });
    const results = await Promise.all(names(3).map((n) => batcher.submit('Z1', n)));
    assert.deepEqual(results.map((r) => r.receipt), [1, 2, 3].map(() => ({ id: 'C1', status: 'PENDING' })));
  });

  const limits = [
    { reason: 'the value limit, an UPSERT counting twice', action: 'UPSERT' as const, options: { maxValues: 10 }, sizes: [5, 5, 2] },
    { reason: 'the value limit, a DELETE counting once', action: 'DELETE' as const, options: { maxValues: 10 }, sizes: [10, 2] },
    { reason: 'the character limit', action: 'UPSERT' as const, options: { maxChars: 1000 }, valueLength: 100, sizes: [5, 5, 2] },
  ];
  for (const c of limits) {
    it(`splits at ${c.reason}`, async () => {
      const zone = new FakeZone();
      zone.action = c.action;
      zone.valueLength = c.valueLength ?? zone.valueLength;
      const batcher = route53Batcher(zone, { windowMs: 20, ...c.options });
      await Promise.all(names(12).map((n) => batcher.submit('Z1', n)));
      assert.deepEqual(zone.calls.map((call) => call.length), c.sizes);
    });
  }

  it('refuses alone a change too large for any batch, saying which limit', async () => {
    const zone = new FakeZone();
    zone.valueLength = 600;
    const batcher = route53Batcher(zone, { windowMs: 20, maxChars: 1000 });
    await assert.rejects(batcher.submit('Z1', 'big.'), (err: unknown) => err instanceof TerminalError && err.reason === AwsReason.InvalidChange && /too large.*1200 characters.*1000/.test(err.message));
    assert.equal(zone.calls.length, 0);
  });

  it("isolates the record InvalidChangeBatch names: the rest at once, then it alone", async () => {
    const zone = new FakeZone();
    zone.bad.add('r17.');
    const batcher = route53Batcher(zone, { windowMs: 20 });
    const settled = await Promise.allSettled(names(50).map((n) => batcher.submit('Z1', n)));
    assert.deepEqual(settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : [])), [17]);
    assert.match(((settled[17] as PromiseRejectedResult).reason as Error).message, /Invalid Resource Record/, "Route 53's message is kept");
    assert.equal(zone.calls.length, 3);
  });
});
