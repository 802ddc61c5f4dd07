// Route 53 health checks: which CallerReference a spec gets (the uid and what Route 53 cannot
// change), the config sent, and the drift UpdateHealthCheck corrects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthCheck } from '../../../sdk/index.ts';
import { callerReference, diffConfig, referencePrefix, toConfig } from './healthchecks.ts';

const check: HealthCheck = { protocol: 'HTTP', ipAddress: '192.0.2.10', path: '/health', requestInterval: 30, failureThreshold: 3 };
const UID = '6f1c2b4e-8d0a-4b8e-9a57-2f9d1e0c3b7a';

describe('Route 53 health checks', () => {
  it('derive the CallerReference from the uid and the settings Route 53 cannot change, within its 64 characters', () => {
    const ref = callerReference(UID, check);
    assert.ok(ref.startsWith(referencePrefix(UID)) && ref.length <= 64, ref);
    assert.equal(callerReference(UID, { ...check, path: '/ready', port: 8080, failureThreshold: 5 }), ref, 'mutable settings keep the check');
    assert.notEqual(callerReference(UID, { ...check, protocol: 'HTTPS' }), ref, 'a new type is a new check');
    assert.notEqual(callerReference(UID, { ...check, requestInterval: 10 }), ref, 'a new interval is a new check');
    assert.notEqual(callerReference(UID, { ...check, ipAddress: undefined, fqdn: 'app.example.com' }), ref, 'an address removed is a new check');
    assert.notEqual(callerReference('another-uid', check), ref);
  });

  it('send the default port of the protocol and the FQDN without its trailing dot', () => {
    assert.deepEqual(toConfig(check), { Type: 'HTTP', IPAddress: '192.0.2.10', Port: 80, ResourcePath: '/health', RequestInterval: 30, FailureThreshold: 3 });
    assert.deepEqual(toConfig({ protocol: 'HTTPS', fqdn: 'app.example.com.', requestInterval: 10, failureThreshold: 1 }), { Type: 'HTTPS', FullyQualifiedDomainName: 'app.example.com', Port: 443, RequestInterval: 10, FailureThreshold: 1 });
  });

  it('name each drifted setting by its spec path, and nothing when Route 53 holds the spec', () => {
    assert.deepEqual(diffConfig(check, toConfig(check)), []);
    const drifted = { ...toConfig(check), ResourcePath: '/other', FailureThreshold: 7 };
    assert.deepEqual(diffConfig(check, drifted).map((d) => d.path), ['healthCheck.path', 'healthCheck.failureThreshold']);
    assert.deepEqual(diffConfig({ ...check, path: undefined }, toConfig(check)).map((d) => d.path), ['healthCheck.path']);
  });
});
