import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordConnectionDetails } from './connection.ts';

describe('DNS record connection details (Route 53)', () => {
  it('the FQDN without the root dot, the type, the values one per line and sorted, TXT as text', () => {
    assert.deepEqual(recordConnectionDetails({ name: 'www.example.test.', type: 'A', ttl: 60, values: ['192.0.2.9', '192.0.2.1'] }), {
      fqdn: 'www.example.test',
      type: 'A',
      values: '192.0.2.1\n192.0.2.9',
    });
    assert.equal(recordConnectionDetails({ name: 't.example.test.', type: 'TXT', values: ['"v=spf1 -all"'] }).values, 'v=spf1 -all');
  });

  it('an alias record: its target', () => {
    assert.deepEqual(recordConnectionDetails({ name: 'example.test.', type: 'A', alias: { dnsName: 'lb.example.net.', hostedZoneId: 'Z1', evaluateTargetHealth: false } }), {
      fqdn: 'example.test',
      type: 'A',
      alias: 'lb.example.net',
    });
  });
});
