import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { BucketKind, KINDS } from '../api/kinds.ts';
import { accessChecks, CLUSTER_RULES, describeCheck } from '../operator/permissions.ts';
import { rbacTemplate } from './chart.ts';
import { drift, shown } from './files.ts';
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
  it('become the chart ClusterRole rule by rule', () => {
    const template = rbacTemplate();
    for (const rule of CLUSTER_RULES) assert.ok(template.includes(`resources: ${JSON.stringify(rule.resources).replaceAll(',', ', ')}`), rule.why);
  });

  it('are checked one verb and resource at a time, leases in their namespace only', () => {
    const checks = accessChecks('mooring-system');
    assert.ok(checks.some((c) => describeCheck(c) === 'patch mooring.dev/buckets/status'));
    assert.ok(checks.some((c) => describeCheck(c) === 'create core/secrets'));
    assert.ok(checks.every((c) => (c.resource === 'leases') === (c.namespace === 'mooring-system')));
    assert.ok(!checks.some((c) => c.resource === 'secrets' && c.verb === 'delete'), 'the operator never deletes a Secret');
  });
});
