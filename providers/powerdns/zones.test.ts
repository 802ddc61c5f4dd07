import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, type AdapterError } from '../../sdk/index.ts';
import type { ApiZone, PdnsApi } from './api.ts';
import { PdnsReason } from './reasons.ts';
import { ZoneDirectory, ZoneRecords } from './zones.ts';

/** A fake API: one zone with one A record set; counts reads; `gone` makes the zone 404. */
function fakeApi() {
  const state = { reads: 0, lookups: 0, gone: false, content: '192.0.2.1' };
  const zone = (): ApiZone => ({ id: 'example.test.', name: 'example.test.', rrsets: [{ name: 'www.example.test.', type: 'A', ttl: 60, records: [{ content: state.content }] }] });
  const api = {
    zone: async (id: string) => {
      state.reads++;
      if (state.gone || id !== 'example.test.') throw new TerminalError(PdnsReason.ZoneNotFound, `PowerDNS read zone ${id}: HTTP 404: Not Found`);
      return zone();
    },
    zonesNamed: async (name: string) => {
      state.lookups++;
      return name === 'example.test.' && !state.gone ? [zone()] : [];
    },
  } as unknown as PdnsApi;
  return { api, state };
}

describe('ZoneRecords', () => {
  it('serves every observer of a zone from one read while it is fresh enough', async () => {
    const { api, state } = fakeApi();
    const records = new ZoneRecords(api, () => {});
    const since = Date.now() - 5_000;
    const [a, b] = await Promise.all([records.records('example.test.', since), records.records('example.test.', since)]);
    assert.equal(a, b);
    assert.equal(state.reads, 1);
    await records.records('example.test.', Date.now() + 1);
    assert.equal(state.reads, 2, 'a read asked to start later than the cached one reads again');
  });

  it('takes our applied PATCH into the cached listing, so observing after our write costs nothing', async () => {
    const { api, state } = fakeApi();
    const records = new ZoneRecords(api, () => {});
    await records.records('example.test.', 0);
    records.applied('example.test.', [
      { name: 'new.example.test.', type: 'A', changetype: 'REPLACE', ttl: 300, records: [{ content: '192.0.2.9', disabled: false }] },
      { name: 'www.example.test.', type: 'A', changetype: 'DELETE' },
    ]);
    const listing = await records.records('example.test.', 0);
    assert.deepEqual(listing.get('new.example.test.|A')?.contents, ['192.0.2.9']);
    assert.equal(listing.get('www.example.test.|A'), undefined);
    assert.equal(state.reads, 1);
  });

  it('after a write whose outcome is unknown, never serves a listing from before it', async () => {
    const { api, state } = fakeApi();
    const records = new ZoneRecords(api, () => {});
    await records.records('example.test.', 0);
    state.content = '192.0.2.2';
    records.uncertain('example.test.');
    const listing = await records.records('example.test.', 0);
    assert.deepEqual(listing.get('www.example.test.|A')?.contents, ['192.0.2.2']);
    assert.equal(state.reads, 2);
  });

  it('reports a zone found gone, and does not keep the failed read', async () => {
    const { api, state } = fakeApi();
    const gone: string[] = [];
    const records = new ZoneRecords(api, (id) => gone.push(id));
    state.gone = true;
    await assert.rejects(records.records('example.test.', 0), (err: AdapterError) => err.reason === PdnsReason.ZoneNotFound);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gone, ['example.test.']);
    state.gone = false;
    assert.ok((await records.records('example.test.', 0)).has('www.example.test.|A'));
  });
});

describe('ZoneDirectory', () => {
  it('finds a zone by name once, whatever its spelling', async () => {
    const { api, state } = fakeApi();
    const zones = new ZoneDirectory(api);
    assert.deepEqual(await zones.resolve({ name: 'Example.Test' }), { id: 'example.test.', name: 'example.test.' });
    assert.deepEqual(await zones.resolve({ name: 'example.test.' }), { id: 'example.test.', name: 'example.test.' });
    assert.equal(state.lookups, 1);
  });

  it('says how to make a zone that does not exist, and looks again next time', async () => {
    const { api, state } = fakeApi();
    const zones = new ZoneDirectory(api);
    await assert.rejects(zones.resolve({ name: 'other.test' }), (err: AdapterError) => err.kind === 'Terminal' && err.reason === PdnsReason.ZoneNotFound && /pdnsutil create-zone other\.test\./.test(err.message));
    await new Promise((r) => setImmediate(r));
    await assert.rejects(zones.resolve({ name: 'other.test' }));
    assert.equal(state.lookups, 2);
  });

  it('forgets a zone found gone, so one made again under its name is found', async () => {
    const { api, state } = fakeApi();
    const zones = new ZoneDirectory(api);
    await zones.resolve({ name: 'example.test' });
    zones.forget('example.test.');
    await new Promise((r) => setImmediate(r));
    await zones.resolve({ name: 'example.test' });
    assert.equal(state.lookups, 2);
  });
});
