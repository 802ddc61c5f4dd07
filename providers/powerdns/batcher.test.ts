import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, ZoneBatcher, keyOf, type BatchPlan, type BatchPort, type DnsChange } from '../../sdk/index.ts';
import { namedInError, pdnsBatchOptions, type BatchOptions } from './batcher.ts';
import { PdnsReason } from './reasons.ts';

type RRsetChange = DnsChange;
type Plan = BatchPlan<DnsChange>;
const change = (name: string, type = 'A'): RRsetChange => ({ action: 'UPSERT', recordSet: { name, type, ttl: 60, values: ['192.0.2.1'] } });
/** The batcher as the DNS kit makes it: PowerDNS's options, changes keyed by record set. */
const pdnsBatcher = <Intent>(port: BatchPort<Intent, DnsChange>, options: BatchOptions) => new ZoneBatcher(port, { ...pdnsBatchOptions(options), key: (c) => keyOf(c.recordSet) });

/** A fake PowerDNS: records each PATCH; refuses (422, naming it) any PATCH holding a bad name. */
function fakeServer(options: { bad?: string[] } = {}) {
  const patches: string[][] = [];
  const send = async (_zone: string, changes: RRsetChange[]) => {
    patches.push(changes.map((c) => c.recordSet.name));
    const bad = changes.find((c) => options.bad?.includes(c.recordSet.name));
    if (bad) throw new TerminalError(PdnsReason.InvalidChange, `PowerDNS PATCH: HTTP 422: Record ${bad.recordSet.name}/A 'x': Not in expected format`);
  };
  return { patches, send };
}

const planAll = async (_zone: string, intents: RRsetChange[][]): Promise<Plan[]> => intents.map((changes) => ({ changes }));
const settle = (promises: Promise<unknown>[]) => Promise.allSettled(promises);
const fast = { windowMs: 5, maxWaitMs: 50 };

// PowerDNS's side of the batcher: PATCH rules and how a 422 names a record set. Timing, planning,
// halving and stopping at an outage are the SDK's, tested in sdk/batch.test.ts.
describe('pdnsBatchOptions', () => {
  it('sends changes to one zone made together in one PATCH, each record with its ownership record', async () => {
    const server = fakeServer();
    const batcher = pdnsBatcher<RRsetChange[]>({ plan: planAll, send: server.send }, fast);
    const names = Array.from({ length: 20 }, (_, i) => `r${i}.example.test.`);
    const results = await settle(names.map((n) => batcher.submit('example.test.', [change(n), change(`_mooring-a.${n}`, 'TXT')])));
    assert.ok(results.every((r) => r.status === 'fulfilled'));
    assert.equal(server.patches.length, 1);
    assert.equal(server.patches[0]!.length, 40);
  });

  it('puts two changes to one record set in two PATCHes, in order', async () => {
    const server = fakeServer();
    const batcher = pdnsBatcher<RRsetChange[]>({ plan: planAll, send: server.send }, fast);
    await settle([batcher.submit('z.', [change('a.z.')]), batcher.submit('z.', [change('b.z.')]), batcher.submit('z.', [change('a.z.')])]);
    assert.deepEqual(server.patches, [['a.z.', 'b.z.'], ['a.z.']]);
  });

  it('a refused record set named by PowerDNS fails alone; the good ones go in one more PATCH', async () => {
    const server = fakeServer({ bad: ['r3.z.'] });
    const batcher = pdnsBatcher<RRsetChange[]>({ plan: planAll, send: server.send }, fast);
    const names = Array.from({ length: 8 }, (_, i) => `r${i}.z.`);
    const results = await settle(names.map((n) => batcher.submit('z.', [change(n)])));
    assert.deepEqual(results.map((r) => r.status), names.map((n) => (n === 'r3.z.' ? 'rejected' : 'fulfilled')));
    const refused = results[3] as PromiseRejectedResult;
    assert.equal((refused.reason as TerminalError).reason, PdnsReason.InvalidChange);
    assert.equal(server.patches.length, 3, 'all, then the good ones, then the bad one alone');
  });

  it('caps a PATCH at maxRRsets record sets', async () => {
    const server = fakeServer();
    const batcher = pdnsBatcher<RRsetChange[]>({ plan: planAll, send: server.send }, { ...fast, maxRRsets: 4 });
    await settle(Array.from({ length: 5 }, (_, i) => batcher.submit('z.', [change(`r${i}.z.`), change(`_mooring-a.r${i}.z.`, 'TXT')])));
    assert.deepEqual(server.patches.map((p) => p.length), [4, 4, 2]);
  });
});

describe('namedInError', () => {
  const cases = [
    { message: "Record bad.example.test./A 'notanip': Parsing record content", names: ['bad.example.test.'] },
    { message: 'RRset www.other.test. IN A: Name is out of zone', names: ['www.other.test.'] },
    { message: "Name '_x.*.example.test.' contains unsupported characters", names: ['_x.*.example.test.'] },
    { message: 'RRset c.example.test. IN CNAME: Conflicts with pre-existing RRset', names: ['c.example.test.'] },
    { message: 'Something else', names: [] },
  ];
  for (const c of cases) it(`reads ${JSON.stringify(c.names)} from "${c.message}"`, () => assert.deepEqual([...namedInError(c.message)], c.names));
});
