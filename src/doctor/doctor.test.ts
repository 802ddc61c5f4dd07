import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstDifference } from './crds.ts';
import { fail, formatFinding, formatReport, ok } from './report.ts';
import { ownershipFinding, tenancyWarnings } from './providers.ts';
import { Limits } from '../limits/index.ts';
import { Resolver } from '../operator/providers.ts';
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

describe('doctor: ownership', () => {
  const views: ProviderConfigView[] = [
    { name: 'own', type: 'aws', ownershipId: 'prod' },
    { name: 'cluster', type: 'aws', ownershipMarks: 'Hashed' },
  ];
  const resolver = (clusterId?: string) => {
    const r = new Resolver({ get: (n) => views.find((v) => v.name === n) }, { secret: () => undefined }, new Limits(), []);
    if (clusterId) r.useClusterId(clusterId);
    return r;
  };
  it('prints the effective id the operator uses: the config\'s, else this cluster\'s, and the mark form', () => {
    const own = ownershipFinding(views[0]!, resolver('mooring-7c0a5e3b12d4'), 'mooring-7c0a5e3b12d4');
    assert.ok(own.ok);
    assert.match(own.detail, /^ownership id prod \(spec\.ownershipId\); marks Readable/);
    const cluster = ownershipFinding(views[1]!, resolver('mooring-7c0a5e3b12d4'), 'mooring-7c0a5e3b12d4');
    assert.match(cluster.detail, /^ownership id mooring-7c0a5e3b12d4 \(this cluster's own, from the kube-system Namespace's uid\); marks Hashed/);
  });
  it('fails a config without an id when the cluster id cannot be read', () => {
    const finding = ownershipFinding(views[1]!, resolver(), { error: '403 forbidden' });
    assert.equal(finding.ok, false);
    assert.match(finding.detail, /OwnershipIdUnknown.*403 forbidden/);
  });
});
