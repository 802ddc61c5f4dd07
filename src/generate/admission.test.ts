import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { admissionObjects, admissionTemplate, VALIDATIONS } from './admission.ts';

describe('the admission policy', () => {
  it('binds to the namespaces the chart values select (the template keeps the hook)', () => {
    assert.match(admissionTemplate(), /namespaceSelector:\n {6}\{\{- toYaml \.Values\.admissionPolicy\.namespaceSelector \| nindent 6 \}\}/);
    const [, binding] = admissionObjects('x', { matchLabels: { a: 'b' } }) as { spec: Record<string, unknown> }[];
    assert.deepEqual(binding!.spec.matchResources, { namespaceSelector: { matchLabels: { a: 'b' } } });
    assert.equal((load(JSON.stringify(admissionObjects('x')[1])) as { spec: Record<string, unknown> }).spec.matchResources, undefined, 'no selector: every namespace');
  });

  it('guards every rule for the configs the object does not name, and negates has() chains whole', () => {
    for (const v of VALIDATIONS) {
      assert.ok(v.expression.startsWith('!variables.mine || '), v.expression);
      // `!has(a) && has(a.b)` would negate only the first step.
      assert.doesNotMatch(v.expression, /!has\([^)]*\) && has\(/, v.expression);
    }
  });
});
