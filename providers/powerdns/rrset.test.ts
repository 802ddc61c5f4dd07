// PowerDNS's record sets in the DNS kit's shape, and the PATCH entries the kit's changes become.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromApi, toApi } from './rrset.ts';

describe('PowerDNS record sets', () => {
  it('are read canonical, counting the records PowerDNS keeps disabled', () => {
    const rrset = { name: 'WWW.example.test.', type: 'A', ttl: 60, records: [{ content: '192.0.2.1' }, { content: '192.0.2.2', disabled: true }] };
    assert.deepEqual(fromApi(rrset), { name: 'www.example.test.', type: 'A', ttl: 60, values: ['192.0.2.1', '192.0.2.2'], disabled: 1 });
    assert.equal(fromApi({ ...rrset, records: [{ content: '192.0.2.1' }] }).disabled, undefined);
  });

  it('are written whole: CREATE and UPSERT are a REPLACE, DELETE removes by name and type', () => {
    const recordSet = { name: 'www.example.test.', type: 'TXT', ttl: 300, values: ['"x"'] };
    const replace = { name: 'www.example.test.', type: 'TXT', changetype: 'REPLACE', ttl: 300, records: [{ content: '"x"', disabled: false }] };
    assert.deepEqual(toApi({ action: 'CREATE', recordSet }), replace);
    assert.deepEqual(toApi({ action: 'UPSERT', recordSet }), replace);
    assert.deepEqual(toApi({ action: 'DELETE', recordSet }), { name: 'www.example.test.', type: 'TXT', changetype: 'DELETE' });
  });
});
