import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { BucketKind, KINDS } from '../api/kinds.ts';
import { accessChecks, describeCheck, RULES } from '../operator/permissions.ts';
import { rbacTemplate } from './chart.ts';
import { drift, REPO_ROOT, shown } from './files.ts';
import { SOURCE_OUTPUTS } from './index.ts';
import { referencePage } from './reference.ts';

describe('generated files', () => {
  for (const output of SOURCE_OUTPUTS) {
    it(`${shown(output, '')} is what \`npm run generate\` gives`, () => {
      const { stale, orphaned } = drift(output);
      assert.deepEqual({ stale, orphaned }, { stale: [], orphaned: [] }, `out of date: run \`npm run generate\` and commit ${shown(output, '')}`);
    });
  }
});

describe('reference pages', () => {
  it('name every spec field with its default and rules, and every printer column', () => {
    const page = referencePage(BucketKind);
    assert.match(page, /^\| `spec\.deletionPolicy` \| string \| `Delete` \| one of `Delete`, `Retain` \|/m);
    assert.match(page, /^\| `spec\.externalName` \| string \| {2}\| matches `[^`]+`; length 3 to 63; must not start with xn-- \(S3 bucket naming rules: reserved prefix\)/m);
    assert.match(page, /^- the bucket name \(metadata\.name, while spec\.externalName is unset\) must not start with xn-- \(S3 bucket naming rules: reserved prefix\) \(CEL `\(oldSelf\.hasValue\(\)/m, 'the rules on names made from metadata.name');
    for (const column of BucketKind.printerColumns) assert.ok(page.includes(`| ${column.name.toUpperCase()} |`), column.name);
  });

  it('follow a schema change (a new field appears with its default and rule)', () => {
    const spec = (BucketKind.spec as z.ZodObject).extend({ colour: z.enum(['red', 'blue']).default('red').describe('A test field.') });
    const page = referencePage({ ...BucketKind, spec });
    assert.match(page, /^\| `spec\.colour` \| string \| `red` \| one of `red`, `blue` \| A test field\. \|$/m);
  });

  it('exist for every kind', () => {
    assert.deepEqual(SOURCE_OUTPUTS.find((o) => o.dir.endsWith('reference'))!.render().map((f) => f.file), KINDS.map((k) => `${k.singular}.md`));
  });
});

describe('permissions', () => {
  it('become the chart\'s roles rule by rule, each named with its reason', () => {
    const template = rbacTemplate();
    for (const rule of RULES) {
      assert.ok(template.includes(`# ${rule.id}: ${rule.why}\n  - apiGroups: ${JSON.stringify(rule.apiGroups).replaceAll(',', ', ')}\n    resources: ${JSON.stringify(rule.resources).replaceAll(',', ', ')}`), rule.id);
    }
    assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length, 'rule ids are unique');
  });

  it('each have a row in docs/security.md with their scope', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    for (const rule of RULES) assert.match(doc, new RegExp(`^\\| \`${rule.id}\` \\| ${rule.scope}[ ,;|]`, 'm'), rule.id);
  });

  it('are checked one verb, resource, namespace and name at a time', () => {
    const checks = accessChecks({ operatorNamespace: 'mooring-system', credentialsNamespaces: ['mooring-system'] });
    const described = checks.map(describeCheck);
    assert.ok(described.includes('patch mooring.dev/buckets/status'), 'all namespaces watched: cluster-wide');
    assert.ok(described.includes('create core/secrets'));
    assert.ok(described.includes('list core/secrets in namespace mooring-system'));
    assert.ok(!described.includes('list core/secrets'), 'Secrets are listed only where credentials live');
    assert.ok(described.includes('get core/secrets named mooring-operator-key in namespace mooring-system'));
    assert.ok(checks.every((c) => (c.resource === 'leases') === (c.rule === 'leases' && c.namespace === 'mooring-system')));
    assert.ok(!checks.some((c) => c.resource === 'secrets' && c.verb === 'delete'), 'the operator never deletes a Secret');
  });

  it('with watched namespaces: the namespaced rules in each of them, Namespaces by name, nothing namespaced cluster-wide', () => {
    const checks = accessChecks({ operatorNamespace: 'ops', watchNamespaces: ['team-a', 'team-b'], credentialsNamespaces: ['creds'] });
    const described = checks.map(describeCheck);
    for (const ns of ['team-a', 'team-b']) {
      assert.ok(described.includes(`patch mooring.dev/buckets/status in namespace ${ns}`));
      assert.ok(described.includes(`create core/secrets in namespace ${ns}`));
      assert.ok(!described.includes(`list core/secrets in namespace ${ns}`), 'connection Secrets are never listed');
      assert.ok(described.includes(`watch core/namespaces named ${ns}`));
    }
    assert.ok(described.includes('watch core/secrets in namespace creds'));
    const clusterWide = checks.filter((c) => !c.namespace).map((c) => c.resource);
    assert.deepEqual([...new Set(clusterWide)].sort(), ['customresourcedefinitions', 'namespaces', 'providerconfigs']);
    assert.ok(checks.filter((c) => c.resource === 'namespaces').every((c) => c.name), 'no unnamed Namespace check');
  });
});
