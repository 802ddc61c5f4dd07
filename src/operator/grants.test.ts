import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { granted, grantsEveryNamespace, selects } from './grants.ts';

const labels: Record<string, Record<string, string>> = { a: { team: 'a', tier: 'prod' }, b: { team: 'b' }, bare: {} };
const source = { labels: (ns: string) => labels[ns] };

describe('granted', () => {
  const cases = [
    { reason: 'no grants: no namespace', grants: undefined, ns: 'a', want: false },
    { reason: 'empty grants: no namespace', grants: {}, ns: 'a', want: false },
    { reason: 'listed by name', grants: { namespaces: ['a'] }, ns: 'a', want: true },
    { reason: 'another name', grants: { namespaces: ['a'] }, ns: 'b', want: false },
    { reason: 'a name is not a prefix', grants: { namespaces: ['a'] }, ns: 'a-evil', want: false },
    { reason: 'selected by labels', grants: { namespaceSelector: { matchLabels: { team: 'b' } } }, ns: 'b', want: true },
    { reason: 'labels that do not match', grants: { namespaceSelector: { matchLabels: { team: 'b' } } }, ns: 'a', want: false },
    { reason: 'an unknown namespace matches no selector, not even the empty one', grants: { namespaceSelector: {} }, ns: 'gone', want: false },
    { reason: 'the empty selector matches every known namespace', grants: { namespaceSelector: {} }, ns: 'bare', want: true },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(granted(c.grants, c.ns, source), c.want));
});

describe('selects (Kubernetes label selector semantics)', () => {
  const cases = [
    { reason: 'In', sel: { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['prod', 'dev'] }] }, l: labels.a!, want: true },
    { reason: 'In without the label', sel: { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['prod'] }] }, l: labels.b!, want: false },
    { reason: 'NotIn without the label holds', sel: { matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['prod'] }] }, l: labels.b!, want: true },
    { reason: 'NotIn with a listed value', sel: { matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['prod'] }] }, l: labels.a!, want: false },
    { reason: 'Exists', sel: { matchExpressions: [{ key: 'tier', operator: 'Exists' as const }] }, l: labels.a!, want: true },
    { reason: 'DoesNotExist', sel: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' as const }] }, l: labels.a!, want: false },
    { reason: 'labels and expressions must all hold', sel: { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['dev'] }] }, l: labels.a!, want: false },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(selects(c.sel, c.l), c.want));
});

describe('grantsEveryNamespace', () => {
  it('is true for an empty selector only', () => {
    assert.equal(grantsEveryNamespace({ namespaceSelector: {} }), true);
    assert.equal(grantsEveryNamespace({ namespaceSelector: { matchLabels: {} } }), true);
    assert.equal(grantsEveryNamespace({ namespaceSelector: { matchLabels: { team: 'a' } } }), false);
    assert.equal(grantsEveryNamespace({ namespaces: ['a'] }), false);
    assert.equal(grantsEveryNamespace(undefined), false);
  });
});
