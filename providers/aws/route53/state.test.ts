// Route 53's record sets in the kit's shape and back, and their cost against the batch limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredRecord } from '../../../sdk/index.ts';
import { changeCost, decodeName, fromRoute53, toRoute53 } from './state.ts';

const spec = { type: 'A' as const, ttl: undefined, values: ['192.0.2.1', '192.0.2.2'], alias: undefined, weighted: undefined };

describe('Route 53 record sets', () => {
  it('decodes the octal escapes Route 53 answers in names', () => {
    assert.equal(decodeName('\\052.Apps.example.com.'), '*.apps.example.com.');
    assert.equal(fromRoute53({ Name: '\\052.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }).name, '*.example.com.');
  });

  it('round-trip through Route 53 shapes, weighted and alias alike', () => {
    const weighted = desiredRecord({ ...spec, weighted: { setIdentifier: 'blue', weight: 7 } }, 'www.example.com.');
    assert.deepEqual(fromRoute53(toRoute53(weighted)), weighted);
    const alias = desiredRecord({ ...spec, values: undefined, alias: { dnsName: 'lb.example.net', hostedZoneId: 'Z9', evaluateTargetHealth: false } }, 'example.com.');
    assert.deepEqual(toRoute53(alias), { Name: 'example.com.', Type: 'A', AliasTarget: { DNSName: 'lb.example.net.', HostedZoneId: 'Z9', EvaluateTargetHealth: false } });
    assert.deepEqual(fromRoute53(toRoute53(alias)), alias);
  });
  it('round-trip every routing policy through Route 53 shapes', () => {
    const policies = [
      { failover: { setIdentifier: 'p', role: 'SECONDARY' as const } },
      { latency: { setIdentifier: 'eu', region: 'eu-west-1' } },
      { geolocation: { setIdentifier: 'ca', country: 'US', subdivision: 'CA' } },
      { geolocation: { setIdentifier: 'eu', continent: 'EU' as const } },
      { multivalue: { setIdentifier: 'm' } },
    ];
    for (const policy of policies) {
      const rs = desiredRecord({ ...spec, ...policy }, 'www.example.com.');
      assert.deepEqual(fromRoute53(toRoute53(rs)), rs, JSON.stringify(policy));
    }
    assert.deepEqual(toRoute53(desiredRecord({ ...spec, geolocation: { setIdentifier: 'x', country: '*' } }, 'a.example.com.')).GeoLocation, { CountryCode: '*' });
    assert.equal(toRoute53(desiredRecord({ ...spec, failover: { setIdentifier: 'p', role: 'PRIMARY' } }, 'a.example.com.')).Failover, 'PRIMARY');
  });

  it('an UPSERT counts twice against the batch limits', () => {
    const recordSet = desiredRecord(spec, 'www.example.com.');
    assert.deepEqual(changeCost({ action: 'UPSERT', recordSet }), { values: 4, chars: 36 });
    assert.deepEqual(changeCost({ action: 'DELETE', recordSet }), { values: 2, chars: 18 });
  });
});
