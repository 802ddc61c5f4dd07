import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REFERENCED_VALUE_BYTES, REFERENCEABLE, referencedSecretKey, resolveReferences, type ReferenceSource } from './references.ts';

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
      refused: [],
    });
  });
});

describe('referencedSecretKey: a Secret is read only when it opts in', () => {
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  const secret = (labels: Record<string, string>, type = 'Opaque') => ({ type, metadata: { labels }, data: { password: b64('db-admin-p4ss') } });

  it('reads the key of a Secret labelled referenceable', () => {
    assert.deepEqual(referencedSecretKey(secret({ [REFERENCEABLE]: 'true' }), 'token', 'password'), { value: 'db-admin-p4ss' });
    assert.deepEqual(referencedSecretKey(secret({ [REFERENCEABLE]: 'true' }), 'token', 'nope'), { missing: 'Secret/token has no key nope' });
  });

  it('refuses one without the label (or with another value), naming the label, never the value nor whether the key exists', () => {
    for (const labels of [{}, { [REFERENCEABLE]: 'yes' }, { [REFERENCEABLE]: 'True' }] as Record<string, string>[]) {
      for (const key of ['password', 'nope']) {
        const got = referencedSecretKey(secret(labels), 'db-admin', key);
        assert.deepEqual(got, { refused: 'Secret/db-admin is not labelled mooring.dev/referenceable: "true"; its owner must label it before references may read it' });
      }
    }
  });

  it('never reads a mooring connection Secret, labelled or not, nor one forging its marks', () => {
    const forged = {
      type: 'Opaque',
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'mooring' }, annotations: { 'mooring.dev/owner': 'mooring-x/team-a/db/uid' }, ownerReferences: [{ kind: 'Database', name: 'db', uid: 'uid', controller: true }] },
      data: { password: b64('db-admin-p4ss') },
    };
    assert.ok('refused' in referencedSecretKey(forged, 'db-conn', 'password'), 'mooring marks are no opt-in');
    const connection = secret({ [REFERENCEABLE]: 'true', 'app.kubernetes.io/managed-by': 'mooring' }, 'connection.mooring.dev/v1');
    assert.match((referencedSecretKey(connection, 'db-conn', 'password') as { refused: string }).refused, /connection Secret/);
  });

  it('says a Secret that is not there is missing (waited for)', () => {
    assert.deepEqual(referencedSecretKey(undefined, 'later', 'k'), { missing: 'Secret/later does not exist in this namespace' });
  });

  it('resolves to a refusal, not a wait, when any reference is refused', async () => {
    const from: ReferenceSource = { managed: () => undefined, key: async (kind) => (kind === 'Secret' ? { refused: 'no' } : { missing: 'later' }) };
    const got = await resolveReferences(spec, ['valuesFrom'], 'team-a', from);
    assert.deepEqual(got, { ok: false, waiting: ['valuesFrom[1] (ConfigMap/net key sg): later'], refused: ['valuesFrom[0] (Secret/creds key token): no'] });
  });
});
