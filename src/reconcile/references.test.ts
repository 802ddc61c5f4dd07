import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REFERENCED_VALUE_BYTES, resolveReferences, type ReferenceSource } from './references.ts';

const source = (value: string): ReferenceSource => ({ managed: () => undefined, key: async () => ({ value }) });
const spec = { valuesFrom: [{ secretKeyRef: { name: 'creds', key: 'token' } }, { configMapKeyRef: { name: 'net', key: 'sg' } }] };

describe('resolveReferences: the size of a value', () => {
  it('takes a value of the bound', async () => {
    const value = 'v'.repeat(MAX_REFERENCED_VALUE_BYTES);
    const got = await resolveReferences(spec, ['valuesFrom'], 'team-a', source(value));
    assert.deepEqual(got.ok && got.spec, { values: [value, value] });
  });

  it('waits on a larger one (bytes, not characters), naming its size and never the value', async () => {
    const value = 'é'.repeat(MAX_REFERENCED_VALUE_BYTES / 2 + 1);
    const got = await resolveReferences(spec, ['valuesFrom'], 'team-a', source(value));
    assert.deepEqual(got, {
      ok: false,
      waiting: [
        'valuesFrom[0] (Secret/creds key token): Secret/creds key token holds 4098 bytes, more than a referenced value may (4096)',
        'valuesFrom[1] (ConfigMap/net key sg): ConfigMap/net key sg holds 4098 bytes, more than a referenced value may (4096)',
      ],
    });
  });
});
