import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedObject } from '../reconcile/types.ts';
import { graphOf, render } from './graph.ts';

const object = (kind: string, name: string, spec: Record<string, unknown>, ready?: [string, string]): ManagedObject => ({
  apiVersion: 'mooring.dev/v1alpha1', kind,
  metadata: { name, namespace: 'team-a', uid: name, generation: 1 },
  spec,
  ...(ready ? { status: { conditions: [{ type: 'Ready', status: ready[0] as 'True', reason: ready[1], message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } } : {}),
});

const objects = [
  object('Database', 'orders', {}, ['True', 'Available']),
  object('DNSRecord', 'db', { valuesFrom: [{ resourceFieldRef: { kind: 'Database', name: 'orders', field: 'address' } }] }, ['True', 'Available']),
  object('DNSRecord', 'verify', { valuesFrom: [{ secretKeyRef: { name: 'tokens', key: 'verify' } }] }, ['False', 'ReferenceNotReady']),
  object('DNSRecord', 'lost', { alias: { dnsNameFrom: { resourceFieldRef: { kind: 'Bucket', name: 'gone', field: 'regionalDomainName' } }, hostedZoneId: 'Z1' } }),
  object('Bucket', 'assets', { exportTo: { name: 'assets-info' } }, ['True', 'Available']),
];

describe('mooring graph', () => {
  const g = graphOf('team-a', objects);

  it('has an edge per reference and export, labelled with the field or key, and a node for what is missing', () => {
    assert.deepEqual(g.edges, [
      { from: 'DNSRecord/db', to: 'Database/orders', label: 'valuesFrom[0] ← address' },
      { from: 'DNSRecord/verify', to: 'Secret/tokens', label: 'valuesFrom[0] ← verify' },
      { from: 'DNSRecord/lost', to: 'Bucket/gone', label: 'alias.dnsNameFrom ← regionalDomainName' },
      { from: 'Bucket/assets', to: 'ConfigMap/assets-info', label: 'exportTo' },
    ]);
    assert.deepEqual(g.nodes.find((n) => n.id === 'Bucket/gone'), { id: 'Bucket/gone', state: 'missing' });
    assert.deepEqual(g.nodes.find((n) => n.id === 'Secret/tokens'), { id: 'Secret/tokens', state: undefined });
  });

  it('prints text with each object\'s Ready state', () => {
    const text = render(g, 'text');
    assert.match(text, /^DNSRecord\/db {2}Ready=True Available\n {2}→ Database\/orders {2}\(valuesFrom\[0\] ← address\)$/m);
    assert.match(text, /^DNSRecord\/verify {2}Ready=False ReferenceNotReady$/m);
  });

  it('prints DOT and Mermaid', () => {
    const dot = render(g, 'dot');
    assert.match(dot, /^digraph "team-a" \{/);
    assert.match(dot, /"DNSRecord\/db" -> "Database\/orders" \[label="valuesFrom\[0\] ← address"\];/);
    const mermaid = render(g, 'mermaid');
    assert.match(mermaid, /^graph LR/);
    const id = (name: string) => /^ {2}(n\d+)\["(.*)/m.exec(mermaid.split('\n').find((l) => l.includes(`["${name}`)) ?? '')?.[1];
    assert.ok(mermaid.includes(`  ${id('DNSRecord/db')} -->|"valuesFrom[0] ← address"| ${id('Database/orders')}`));
  });
});
