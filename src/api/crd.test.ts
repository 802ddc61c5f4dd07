import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP, VERSION } from './common.ts';
import { columnProblems, crdFor, type KindDescription } from './crd.ts';
import { BucketKind, DatabaseKind, DNSRecordKind, KINDS, ProviderConfigKind } from './kinds.ts';
import type { StructuralSchema } from './structural.ts';

const schemaOf = (kind: KindDescription) => crdFor(kind).spec.versions[0]!.schema.openAPIV3Schema;

/** Every schema node with its path, walking what the apiserver walks. */
function* nodes(node: StructuralSchema, path = ''): Generator<[string, StructuralSchema]> {
  yield [path, node];
  for (const [k, v] of Object.entries(node.properties ?? {})) yield* nodes(v, `${path}.${k}`);
  if (node.additionalProperties) yield* nodes(node.additionalProperties, `${path}.*`);
  if (node.items) yield* nodes(node.items, `${path}[]`);
}

/**
 * Defaulting the way the apiserver does it: a missing field with a default gets it, and defaults
 * apply inside what was just defaulted. If the CRD and zod disagree on a default, a resource's
 * spec would read one way in kubectl and another in the reconciler.
 */
function applyDefaults(schema: StructuralSchema, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => applyDefaults(schema.items!, v)) : value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [k, prop] of Object.entries(schema.properties ?? {})) {
    if (out[k] === undefined && prop.default !== undefined) out[k] = structuredClone(prop.default);
    if (out[k] !== undefined) out[k] = applyDefaults(prop, out[k]);
  }
  if (schema.additionalProperties) for (const k of Object.keys(out)) out[k] = applyDefaults(schema.additionalProperties, out[k]);
  return out;
}

describe('CRDs', () => {
  for (const kind of KINDS) {
    describe(kind.kind, () => {
      const crd = crdFor(kind);
      const schema = schemaOf(kind);

      it('is named <plural>.<group>, served and stored at our one version, with the status subresource', () => {
        assert.equal(crd.metadata.name, `${kind.plural}.${GROUP}`);
        assert.equal(crd.spec.versions.length, 1);
        const [version] = crd.spec.versions;
        assert.deepEqual([version!.name, version!.served, version!.storage], [VERSION, true, true]);
        assert.deepEqual(version!.subresources, { status: {} });
        assert.ok(crd.spec.names.categories.includes('mooring'));
      });

      it('leaves metadata to the apiserver and requires a spec', () => {
        assert.deepEqual(schema.properties?.metadata, { type: 'object' });
        assert.deepEqual(schema.required, ['spec']);
      });

      it('types every node and uses no pattern RE2 would refuse', () => {
        for (const [path, node] of nodes(schema)) {
          assert.ok(node.type !== undefined || node['x-kubernetes-preserve-unknown-fields'], `${path || '<root>'} has no type`);
          assert.ok(!(node.properties && node.additionalProperties), `${path} has properties and additionalProperties`);
          for (const p of [node.pattern, ...(node.allOf ?? []).map((b) => b.pattern)]) {
            if (p !== undefined) assert.ok(!p.includes('(?=') && !p.includes('(?!') && !p.includes('(?<=') && !p.includes('(?<!'), `${path}: lookaround in ${p}`);
          }
          for (const key of ['$schema', 'propertyNames', 'const', '$ref', 'anyOf', 'oneOf']) assert.ok(!(key in node), `${path} has ${key}`);
        }
      });

      it('describes the kind and its fields', () => {
        assert.equal(schema.description, kind.description);
        const missing = [...nodes(schema.properties!.spec!)].filter(([path, node]) => !node.description && !/(\[\]|\*)$/.test(path)).map(([path]) => `spec${path}`);
        assert.deepEqual(missing, [], 'fields without a description (kubectl explain shows nothing for them)');
      });
    });
  }

  const defaulting: { reason: string; kind: KindDescription; input: Record<string, unknown> }[] = [
    { reason: 'a minimal bucket', kind: BucketKind, input: { providerConfigRef: { name: 'aws' } } },
    {
      reason: 'defaults inside lists and optional objects',
      kind: BucketKind,
      input: { providerConfigRef: { name: 'aws' }, encryption: {}, publicAccessBlock: { blockPublicAcls: false }, lifecycleRules: [{ id: 'a', expirationDays: 1 }] },
    },
    { reason: 'a minimal ProviderConfig', kind: ProviderConfigKind, input: { type: 'aws' } },
    { reason: 'given values win over defaults', kind: ProviderConfigKind, input: { type: 'aws', ownershipId: 'prod', credentials: { source: 'Secret', secretRef: { namespace: 'a', name: 'b' } } } },
  ];
  for (const { reason, kind, input } of defaulting) {
    it(`${kind.kind}: the apiserver's defaults are zod's: ${reason}`, () => {
      const spec = schemaOf(kind).properties!.spec!;
      assert.deepEqual(applyDefaults(spec, input), kind.spec.parse(input));
    });
  }
});

describe('printer columns', () => {
  const columns = (kind: KindDescription) => kind.printerColumns.map((c) => [c.name.toUpperCase(), c.jsonPath, c.priority ?? 0]);

  it('Bucket: READY, REASON, EXTERNAL-NAME, DELETION, LAST-CHECKED (wide), AGE', () => {
    assert.deepEqual(columns(BucketKind), [
      ['READY', '.status.conditions[?(@.type=="Ready")].status', 0],
      ['REASON', '.status.conditions[?(@.type=="Ready")].reason', 0],
      ['EXTERNAL-NAME', '.status.atProvider.name', 0],
      ['DELETION', '.status.atProvider.deletion', 0],
      ['LAST-CHECKED', '.status.lastChecked', 1],
      ['AGE', '.metadata.creationTimestamp', 0],
    ]);
  });

  it('every managed kind says when it was last checked for drift (kubectl get -o wide)', () => {
    for (const kind of [BucketKind, DNSRecordKind, DatabaseKind]) assert.ok(columns(kind).some(([name, path]) => name === 'LAST-CHECKED' && path === '.status.lastChecked'), kind.kind);
  });

  it('ProviderConfig: TYPE, READY, REASON, ACCOUNT, USED-BY, REGION, ENDPOINT and LAST-CHECKED (wide), AGE', () => {
    assert.deepEqual(columns(ProviderConfigKind), [
      ['TYPE', '.spec.type', 0],
      ['READY', '.status.conditions[?(@.type=="Ready")].status', 0],
      ['REASON', '.status.conditions[?(@.type=="Ready")].reason', 0],
      ['ACCOUNT', '.status.account', 0],
      ['USED-BY', '.status.usedBy', 0],
      ['REGION', '.spec.region', 1],
      ['ENDPOINT', '.status.endpoint', 1],
      ['LAST-CHECKED', '.status.lastChecked', 1],
      ['AGE', '.metadata.creationTimestamp', 0],
    ]);
  });

  for (const kind of KINDS) {
    it(`${kind.kind}: every column reaches a field of the schema, of the column's type`, () => {
      assert.deepEqual(columnProblems(kind.printerColumns, schemaOf(kind)), []);
      assert.deepEqual(crdFor(kind).spec.versions[0]!.additionalPrinterColumns, kind.printerColumns);
    });
  }

  it('catches a column whose path leads nowhere', () => {
    const problems = columnProblems([{ name: 'Oops', type: 'string', jsonPath: '.spec.extrnalName' }], schemaOf(BucketKind));
    assert.match(problems.join('\n'), /Oops: \.spec\.extrnalName is not a field/);
  });
});

describe('names', () => {
  // Short names of built-in kinds: `kubectl get pc` means PriorityClass, whatever a CRD says.
  const BUILT_IN = ['cm', 'cs', 'csr', 'cj', 'crd', 'crds', 'deploy', 'ds', 'ep', 'ev', 'hpa', 'ing', 'limits', 'netpol', 'no', 'ns', 'pc', 'pdb', 'po', 'psp', 'pv', 'pvc', 'quota', 'rc', 'rs', 'sa', 'sc', 'sts', 'svc'];

  it('short names are unique and clash with no built-in kind', () => {
    const all = KINDS.flatMap((k) => k.shortNames);
    assert.equal(new Set(all).size, all.length);
    for (const name of all) assert.ok(!BUILT_IN.includes(name), `${name} is a built-in short name`);
    assert.deepEqual(BucketKind.shortNames, ['bkt']);
  });

  it('plurals and singulars are lowercase forms of the kind', () => {
    for (const kind of KINDS) {
      assert.equal(kind.singular, kind.kind.toLowerCase());
      assert.equal(kind.plural, `${kind.singular}s`);
    }
  });
});
