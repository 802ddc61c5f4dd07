import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordConnectionDetails } from './connection.ts';

describe('DNS record connection details (PowerDNS)', () => {
  it('the keys the Route 53 adapter publishes: FQDN without the root dot, type, values one per line, TXT as text', () => {
    assert.deepEqual(recordConnectionDetails({ name: 'www.powerdns.test.', type: 'AAAA', ttl: 60, contents: ['2001:db8::2', '2001:db8::1'] }), {
      fqdn: 'www.powerdns.test',
      type: 'AAAA',
      values: '2001:db8::1\n2001:db8::2',
    });
    assert.equal(recordConnectionDetails({ name: 't.powerdns.test.', type: 'TXT', ttl: 60, contents: ['"hello \\"you\\""'] }).values, 'hello "you"');
  });
});
