// PowerDNS's zones behind the kit's port: found by name (saying how to make a missing one) or id,
// and listed in one GET.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError, type AdapterError } from '../../sdk/index.ts';
import type { ApiZone, PdnsApi } from './api.ts';
import { PdnsReason } from './reasons.ts';
import { findZone, listZone } from './zones.ts';

/** A fake API holding zone example.test. with one A record set. */
const api = {
  zone: async (id: string, sent?: () => void): Promise<ApiZone> => {
    sent?.();
    if (id !== 'example.test.') throw new TerminalError(PdnsReason.ZoneNotFound, `PowerDNS read zone ${id}: HTTP 404: Not Found`);
    return { id, name: 'Example.Test.', rrsets: [{ name: 'www.example.test.', type: 'A', ttl: 60, records: [{ content: '192.0.2.1' }] }] };
  },
  zonesNamed: async (name: string): Promise<ApiZone[]> => (name === 'example.test.' ? [{ id: 'example.test.', name: 'example.test.' }] : []),
} as unknown as PdnsApi;

describe('PowerDNS zones', () => {
  it('are found by name or by id', async () => {
    assert.deepEqual(await findZone(api, { name: 'example.test.' }), { id: 'example.test.', name: 'example.test.' });
    assert.deepEqual(await findZone(api, { id: 'example.test.' }), { id: 'example.test.', name: 'example.test.' });
  });

  it('say how to make one that does not exist', async () => {
    await assert.rejects(findZone(api, { name: 'other.test.' }), (err: AdapterError) => err.kind === 'Terminal' && err.reason === PdnsReason.ZoneNotFound && /pdnsutil create-zone other\.test\./.test(err.message));
  });

  it('are listed in one GET, counted sent as it leaves the limiter', async () => {
    let sent = 0;
    assert.deepEqual(await listZone(api, 'example.test.', () => sent++), [{ name: 'www.example.test.', type: 'A', ttl: 60, values: ['192.0.2.1'] }]);
    assert.equal(sent, 1);
  });
});
