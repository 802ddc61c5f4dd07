import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryableError, TerminalError } from '../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { ZoneBatcher, type BatchPort, type PlannedChange } from './batcher.ts';
import type { RecordSet } from './state.ts';

/** A zone that refuses any batch holding a bad name, naming it (or not) the way Route 53 does. */
class FakeZone implements BatchPort<string> {
  calls: string[][] = [];
  plans = 0;
  bad = new Set<string>();
  nameInMessage = true;
  throttleNext = 0;
  valueLength = 10;

  async plan(_zone: string, intents: string[]) {
    this.plans++;
    return intents.map((name) => (name === 'same' ? { changes: [] } : { changes: [{ action: 'UPSERT' as const, recordSet: this.rs(name) }] }));
  }

  async send(_zone: string, changes: PlannedChange[]) {
    const names = changes.map((c) => c.recordSet.name);
    this.calls.push(names);
    if (this.throttleNext > 0) {
      this.throttleNext--;
      throw new RetryableError(AwsReason.Throttled, 'Rate exceeded', { throttled: true });
    }
    const bad = names.filter((n) => this.bad.has(n));
    if (bad.length) {
      const detail = this.nameInMessage ? bad.map((n) => `'${n}'`).join(', ') : 'RDATA problem';
      throw new TerminalError(AwsReason.InvalidChange, `InvalidChangeBatch: [Invalid Resource Record: ${detail}]`);
    }
    return { id: `C${this.calls.length}`, status: 'PENDING' };
  }

  rs(name: string): RecordSet {
    return { name, type: 'TXT', ttl: 300, values: ['x'.repeat(this.valueLength)] };
  }
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `r${i}.`);

describe('ZoneBatcher', () => {
  it('sends the changes of one window as one call, and resolves each with the change', async () => {
    const zone = new FakeZone();
    const batcher = new ZoneBatcher(zone, { windowMs: 20 });
    const results = await Promise.all(names(50).map((n) => batcher.submit('Z1', n)));
    assert.equal(zone.calls.length, 1);
    assert.equal(zone.plans, 1, 'one fresh read per flush');
    assert.ok(results.every((r) => r.change?.id === 'C1'));
  });

  it('keeps zones apart', async () => {
    const zone = new FakeZone();
    const batcher = new ZoneBatcher(zone, { windowMs: 20 });
    await Promise.all([batcher.submit('Z1', 'a.'), batcher.submit('Z2', 'b.')]);
    assert.equal(zone.calls.length, 2);
  });

  it("splits at Route 53's value limit, counting an UPSERT twice", async () => {
    const zone = new FakeZone();
    const batcher = new ZoneBatcher(zone, { windowMs: 20, maxValues: 10 });
    await Promise.all(names(12).map((n) => batcher.submit('Z1', n)));
    assert.deepEqual(zone.calls.map((c) => c.length), [5, 5, 2]);
  });

  it("splits at Route 53's character limit", async () => {
    const zone = new FakeZone();
    zone.valueLength = 100;
    const batcher = new ZoneBatcher(zone, { windowMs: 20, maxChars: 1000 });
    await Promise.all(names(12).map((n) => batcher.submit('Z1', n)));
    assert.deepEqual(zone.calls.map((c) => c.length), [5, 5, 2]);
  });

  it('refuses alone a change too large for any batch', async () => {
    const zone = new FakeZone();
    zone.valueLength = 600;
    const batcher = new ZoneBatcher(zone, { windowMs: 20, maxChars: 1000 });
    await assert.rejects(batcher.submit('Z1', 'big.'), (err: unknown) => err instanceof TerminalError && err.reason === AwsReason.InvalidChange && /too large/.test(err.message));
    assert.equal(zone.calls.length, 0);
  });

  it('resolves at once what needs no change, without a call', async () => {
    const zone = new FakeZone();
    const batcher = new ZoneBatcher(zone, { windowMs: 20 });
    assert.deepEqual(await batcher.submit('Z1', 'same'), {});
    assert.equal(zone.calls.length, 0);
  });

  const isolation = [
    { reason: "Route 53's message names the bad record: the rest goes at once, the suspect alone", nameInMessage: true, maxCalls: 3 },
    { reason: 'the message names nothing: the batch is halved until the bad change stands alone', nameInMessage: false, maxCalls: 13 },
  ];
  for (const c of isolation) {
    it(`isolates one bad change in 50: ${c.reason}`, async () => {
      const zone = new FakeZone();
      zone.nameInMessage = c.nameInMessage;
      zone.bad.add('r17.');
      const batcher = new ZoneBatcher(zone, { windowMs: 20 });
      const settled = await Promise.allSettled(names(50).map((n) => batcher.submit('Z1', n)));
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
      assert.deepEqual(failed, [17], 'only the bad change fails');
      const reason = (settled[17] as PromiseRejectedResult).reason as TerminalError;
      assert.equal(reason.reason, AwsReason.InvalidChange);
      assert.match(reason.message, /Invalid Resource Record/, "Route 53's message is kept");
      assert.ok(zone.calls.length <= c.maxCalls, `${zone.calls.length} calls`);
      const sent = new Set(zone.calls.slice(1).flat().filter((n) => n !== 'r17.'));
      assert.equal(sent.size, 49);
    });
  }

  it('stops a flush at throttling: every change of it fails typed, no further call', async () => {
    const zone = new FakeZone();
    zone.throttleNext = 1;
    const batcher = new ZoneBatcher(zone, { windowMs: 20, maxValues: 10 });
    const settled = await Promise.allSettled(names(12).map((n) => batcher.submit('Z1', n)));
    assert.equal(zone.calls.length, 1, 'the later batches of the flush are not sent');
    assert.ok(settled.every((s) => s.status === 'rejected' && (s.reason as RetryableError).throttled));
  });

  it('takes what arrives during a flush into the next one', async () => {
    const zone = new FakeZone();
    const batcher = new ZoneBatcher(zone, { windowMs: 20 });
    const first = batcher.submit('Z1', 'a.');
    await new Promise((r) => setTimeout(r, 25));
    const later = Promise.all([batcher.submit('Z1', 'b.'), batcher.submit('Z1', 'c.')]);
    await Promise.all([first, later]);
    assert.deepEqual(zone.calls, [['a.'], ['b.', 'c.']]);
  });
});
