import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstDifference } from './crds.ts';
import { fail, formatFinding, formatReport, ok } from './report.ts';
import { tenancyWarnings } from './providers.ts';
import type { ProviderConfigView } from '../operator/providers.ts';

describe('firstDifference', () => {
  const cases: { reason: string; expected: unknown; actual: unknown; found: string | undefined }[] = [
    { reason: 'fields the apiserver adds do not count', expected: { a: 1 }, actual: { a: 1, conversion: { strategy: 'None' } }, found: undefined },
    { reason: 'a changed value is named by its path', expected: { v: [{ max: 63 }] }, actual: { v: [{ max: 64 }] }, found: '.v[0].max: 64, expected 63' },
    { reason: 'a missing field', expected: { s: { p: { colour: { type: 'string' } } } }, actual: { s: { p: {} } }, found: '.s.p.colour: missing' },
    { reason: 'a list of another length', expected: { cols: [1, 2] }, actual: { cols: [1] }, found: '.cols: 1 entries, expected 2' },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(firstDifference(c.expected, c.actual), c.found));
});

describe('formatReport', () => {
  it('prints ok and FAIL aligned, the fix under a failure, and a summary', () => {
    const text = formatReport([ok('crds', 'current'), fail('providerconfig/x', 'no answer', 'check spec.endpoint')]);
    assert.equal(text, [
      '  ok    crds              current',
      '  FAIL  providerconfig/x  no answer',
      '                          fix: check spec.endpoint',
      '1 of 2 checks failed.',
    ].join('\n'));
  });
});

describe('doctor: tenancy warnings', () => {
  const view = (fields: Partial<ProviderConfigView>): ProviderConfigView => ({ name: 'pc', type: 'aws', ownershipId: 'mooring', ...fields });
  const policy = { adoption: 'Allowed' as const, dns: { apexNameServers: false }, rds: { publiclyAccessible: false }, buckets: { publicAccess: false } };
  it('warns of a config granted to every namespace, of one granted to none, and of adoption left on', () => {
    assert.match(tenancyWarnings(view({ grants: { namespaceSelector: {} } }))[0]!.detail, /every namespace may use this config/);
    assert.match(tenancyWarnings(view({}))[0]!.detail, /no namespace may use this config/);
    assert.match(tenancyWarnings(view({ grants: { namespaces: ['a'] }, policy }))[0]!.detail, /adoption is Allowed/);
    assert.deepEqual(tenancyWarnings(view({ grants: { namespaces: ['a'] } })), []);
    assert.ok(tenancyWarnings(view({})).every((f) => f.ok && f.warn), 'warnings, not failures');
    assert.match(formatFinding(tenancyWarnings(view({}))[0]!, 20), /^ {2}warn/);
    assert.match(formatReport([ok('crds', 'current'), ...tenancyWarnings(view({}))]), /all 1 checks passed\. 1 warning\.$/, 'a warning is not a check that failed');
  });
});
