// The zone directory and the zone listing cache: look-ups coalesced and cached, listings shared by
// freshness, the known listing kept true by our own writes and voided by a write of unknown outcome.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, type AdapterError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import type { DnsRecordSet } from './records.ts';
import { ZONE_DEFAULTS, ZoneDirectory, ZoneRecords, type Zone } from './zones.ts';

/** A zone of one record set behind a limiter that holds each listing until the test lets it go. */
function held() {
  let clock = 0;
  const waiting: (() => void)[] = [];
  const state = { lists: 0, value: '192.0.2.1', gone: false };
  const list = (_zone: string, sent: () => void) =>
    new Promise<void>((go) => waiting.push(go)).then((): DnsRecordSet[] => {
      sent();
      state.lists++;
      if (state.gone) throw new TerminalError(ProviderReason.ZoneNotFound, 'gone');
      return [{ name: 'a.example.test.', type: 'A', ttl: 60, values: [state.value] }];
    });
  const gone: string[] = [];
  const records = new ZoneRecords(list, (id) => gone.push(id), () => clock);
  const release = async () => {
    waiting.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { records, release, state, gone, advance: (ms: number) => (clock += ms) };
}

describe('ZoneRecords', () => {
  it('lets a listing still queued at the limiter serve any freshness asked; once sent, only what is no older', async () => {
    const { records, release, advance, state } = held();
    const first = records.records('Z1', 0);
    advance(10_000);
    assert.equal(records.records('Z1', 10_000), first, 'queued for 10 s: still fresher than asked, joined');
    await release();
    await first;
    advance(1_000);
    assert.equal(records.records('Z1', 10_000), first, 'sent at 10 s: fresh enough for 10 s');
    assert.notEqual(records.records('Z1', 10_001), first, 'not for later');
    assert.equal(state.lists, 1);
  });

  it('knows the zone once a listing arrived, keeps it true by our writes, and forgets it after a write of unknown outcome', async () => {
    const { records, release, advance } = held();
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

  it('after a write whose outcome is unknown, never serves a listing from before it', async () => {
    const { records, release, state } = held();
    const before = records.records('Z1', 0);
    await release();
    await before;
    state.value = '192.0.2.2';
    records.uncertain('Z1');
    const after = records.records('Z1', 0);
    await release();
    assert.deepEqual((await after).get('a.example.test.|A|')?.values, ['192.0.2.2']);
  });

  it('reports a zone found gone, and does not keep the failed listing', async () => {
    const { records, release, state, gone } = held();
    state.gone = true;
    const failed = records.records('Z1', 0);
    await release();
    await assert.rejects(failed, (err: AdapterError) => err.reason === ProviderReason.ZoneNotFound);
    assert.deepEqual(gone, ['Z1']);
    state.gone = false;
    const again = records.records('Z1', 0);
    await release();
    assert.ok((await again).has('a.example.test.|A|'));
  });

  it('marks two record sets of one identity as duplicated', async () => {
    const twice = (): Promise<DnsRecordSet[]> => Promise.resolve([{ name: 'a.', type: 'A', values: ['1'] }, { name: 'a.', type: 'A', values: ['2'] }]);
    const listing = await new ZoneRecords(twice, () => undefined).records('Z1', 0);
    assert.equal(listing.get('a.|A|')?.duplicated, true);
  });
});

describe('ZoneDirectory', () => {
  const directory = () => {
    const looked: string[] = [];
    let clock = 0;
    const zones = new ZoneDirectory(
      async (ref) => {
        looked.push(JSON.stringify(ref));
        if ('name' in ref && ref.name !== 'example.test.') throw new TerminalError(ProviderReason.ZoneNotFound, `no zone ${ref.name}`);
        return { id: 'Z1', name: 'example.test.' } satisfies Zone;
      },
      () => clock,
    );
    return { zones, looked, advance: (ms: number) => (clock += ms) };
  };

  it('finds a zone by name once, whatever its spelling, until its answer is ten minutes old', async () => {
    const { zones, looked, advance } = directory();
    assert.deepEqual(await zones.resolve({ name: 'Example.Test' }), { id: 'Z1', name: 'example.test.' });
    assert.deepEqual(await zones.resolve({ name: 'example.test.' }), { id: 'Z1', name: 'example.test.' });
    assert.deepEqual(looked, ['{"name":"example.test."}']);
    advance(10 * 60_000);
    await zones.resolve({ name: 'example.test' });
    assert.equal(looked.length, 2);
  });

  it('does not keep a failed look-up', async () => {
    const { zones, looked } = directory();
    await assert.rejects(zones.resolve({ name: 'other.test' }));
    await new Promise((r) => setImmediate(r));
    await assert.rejects(zones.resolve({ name: 'other.test' }));
    assert.equal(looked.length, 2);
  });

  it('forgets a zone found gone, so one made again under its name is found', async () => {
    const { zones, looked } = directory();
    await zones.resolve({ name: 'example.test' });
    zones.forget('Z1');
    await new Promise((r) => setImmediate(r));
    await zones.resolve({ name: 'example.test' });
    assert.equal(looked.length, 2);
  });
});

describe('ZoneDirectory with the account listed at once', () => {
  const directory = (account: Zone[] | undefined | Error) => {
    const looked: string[] = [];
    let listed = 0;
    let clock = 0;
    const zones = new ZoneDirectory(
      async (ref) => {
        looked.push(JSON.stringify(ref));
        if ('name' in ref && ref.name === 'twice.test.') throw new TerminalError(ProviderReason.InvalidSpec, 'two zones are named twice.test.');
        if ('name' in ref && ref.name !== 'late.test.') throw new TerminalError(ProviderReason.ZoneNotFound, `no zone ${ref.name}`);
        return { id: 'Z9', name: 'late.test.' } satisfies Zone;
      },
      () => clock,
      async () => {
        listed++;
        if (account instanceof Error) throw account;
        return account && [...account];
      },
    );
    return { zones, looked, listed: () => listed, advance: (ms: number) => (clock += ms), account };
  };
  const account = [
    { id: 'Z1', name: 'a.test.' },
    { id: 'Z2', name: 'b.test.' },
    { id: 'Z3', name: 'twice.test.' },
    { id: 'Z4', name: 'twice.test.' },
  ];

  it('finds every zone named at about the same time in one listing of the account', async () => {
    const { zones, looked, listed } = directory(account);
    const found = await Promise.all([zones.resolve({ name: 'A.test' }), zones.resolve({ name: 'b.test.' })]);
    assert.deepEqual(found, [account[0], account[1]]);
    await zones.resolve({ name: 'b.test' });
    assert.equal(listed(), 1);
    assert.deepEqual(looked, []);
  });

  it('lists the account again for a name its listing lacks, once that listing is 5 s old, for every name asked then', async () => {
    const listing = [...account];
    const { zones, looked, listed, advance } = directory(listing);
    await zones.resolve({ name: 'a.test' });
    listing.push({ id: 'Z5', name: 'c.test.' }, { id: 'Z6', name: 'd.test.' });
    advance(ZONE_DEFAULTS.zoneRelistMs + 1);
    assert.deepEqual(await Promise.all([zones.resolve({ name: 'c.test' }), zones.resolve({ name: 'd.test' })]), [listing[4], listing[5]]);
    assert.equal(listed(), 2);
    assert.deepEqual(looked, []);
  });

  it('looks a name up alone when a fresh listing lacks it (made since) or holds it twice, whose answer stands', async () => {
    const { zones, looked, listed } = directory(account);
    assert.deepEqual(await zones.resolve({ name: 'late.test' }), { id: 'Z9', name: 'late.test.' });
    await assert.rejects(zones.resolve({ name: 'twice.test' }), /two zones/);
    await assert.rejects(zones.resolve({ name: 'none.test' }), /no zone/);
    assert.equal(listed(), 1);
    assert.deepEqual(looked, ['{"name":"late.test."}', '{"name":"twice.test."}', '{"name":"none.test."}']);
  });

  it('keeps "too many to list" and a failure for the zone TTL, and lists again after a zone was found gone', async () => {
    const many = directory(undefined);
    await many.zones.resolve({ name: 'late.test' });
    await assert.rejects(many.zones.resolve({ name: 'a.test' }));
    assert.equal(many.listed(), 1, 'one listing said too many: names go one by one without asking again');
    const failing = directory(new Error('throttled'));
    await failing.zones.resolve({ name: 'late.test' });
    await assert.rejects(failing.zones.resolve({ name: 'a.test' }));
    assert.equal(failing.listed(), 1, 'a failed listing (a policy without the permission) is not asked again each time');
    const { zones, listed } = directory(account);
    await zones.resolve({ name: 'a.test' });
    zones.forget('Z1');
    await new Promise((r) => setImmediate(r));
    await zones.resolve({ name: 'a.test' });
    assert.equal(listed(), 2);
  });
});
