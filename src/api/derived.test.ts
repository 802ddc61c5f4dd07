import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUCKET_NAME_FROM_METADATA, BucketName, BucketSpec } from './bucket.ts';
import { crdFor } from './crd.ts';
import { DATABASE_NAME_FROM_METADATA, DatabaseName, DatabaseSpec, ROLE_NAME_FROM_DATABASE, RoleName } from './database.ts';
import { derivedNameProblems, derivedNameRules, type DerivedName } from './derived.ts';
import { BucketKind, DatabaseKind, KINDS } from './kinds.ts';

const bucketSpec = BucketSpec.parse({ providerConfigRef: { name: 'aws' } }) as Record<string, unknown>;
const databaseSpec = (extra: Record<string, unknown> = {}) => DatabaseSpec.parse({ providerConfigRef: { name: 'pg' }, ...extra }) as Record<string, unknown>;

/**
 * For each rule of a derived name, a metadata.name breaking it (and only the rules named), so a
 * rule added without a case here fails the count below.
 */
const breaking: { derived: DerivedName; objectName: string; spec: Record<string, unknown>; broken: RegExp[] }[] = [
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'ab', spec: bucketSpec, broken: [/must be 3-63 characters long/, /must be 3-63 characters of lowercase/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'xn--bad', spec: bucketSpec, broken: [/must not start with xn-- \(S3 bucket naming rules: reserved prefix\)/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'sthree-configurator', spec: bucketSpec, broken: [/must not start with sthree-/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'amzn-s3-demo-bucket', spec: bucketSpec, broken: [/must not start with amzn-s3-demo-/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'logs-s3alias', spec: bucketSpec, broken: [/must not end with -s3alias/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'logs--ol-s3', spec: bucketSpec, broken: [/must not end with --ol-s3/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'logs.mrap', spec: bucketSpec, broken: [/must not end with \.mrap/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'logs--x-s3', spec: bucketSpec, broken: [/must not end with --x-s3/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'logs--table-s3', spec: bucketSpec, broken: [/must not end with --table-s3/] },
  // Not a Kubernetes name, but the reconciler checks what it is given.
  { derived: BUCKET_NAME_FROM_METADATA, objectName: 'a..b', spec: bucketSpec, broken: [/must not contain two adjacent dots/] },
  { derived: BUCKET_NAME_FROM_METADATA, objectName: '192.168.5.4', spec: bucketSpec, broken: [/must not be formatted as an IP address/] },
  { derived: DATABASE_NAME_FROM_METADATA, objectName: 'a'.repeat(64), spec: databaseSpec(), broken: [/must be at most 63 characters/] },
  { derived: DATABASE_NAME_FROM_METADATA, objectName: '1st-db', spec: databaseSpec(), broken: [/not starting with a digit/] },
  { derived: DATABASE_NAME_FROM_METADATA, objectName: 'template0', spec: databaseSpec(), broken: [/may not be one of postgres, template0, template1 \(PostgreSQL's own databases\)/] },
  { derived: ROLE_NAME_FROM_DATABASE, objectName: 'current-user', spec: databaseSpec(), broken: [/may not be one of public, none, current_user/] },
  { derived: ROLE_NAME_FROM_DATABASE, objectName: 'pg.monitor', spec: databaseSpec(), broken: [/must not start with pg_ \(PostgreSQL reserves it/] },
];

describe('derived names: the reconciler applies the rules of the field they stand for', () => {
  for (const { derived, objectName, spec, broken } of breaking) {
    it(`${derived.what}: ${objectName.length > 20 ? `${objectName.slice(0, 8)}…` : objectName} breaks ${broken.length} rule(s), each named`, () => {
      const problems = derivedNameProblems([derived], objectName, spec);
      assert.equal(problems.length, broken.length, JSON.stringify(problems));
      for (const rule of broken) assert.ok(problems.some((p) => rule.test(p)), `${String(rule)} not in ${JSON.stringify(problems)}`);
      assert.ok(problems.every((p) => p.startsWith(`${derived.what} "`)), 'each names the derived name and its value');
    });
  }

  it('has a breaking case for every rule', () => {
    for (const derived of [BUCKET_NAME_FROM_METADATA, DATABASE_NAME_FROM_METADATA, ROLE_NAME_FROM_DATABASE]) {
      for (const rule of derived.rules) {
        const covered = breaking.some((b) => b.derived === derived && !rule.holds(derived.derive(b.objectName, b.spec)!));
        assert.ok(covered, `${derived.what}: no case breaks "${rule.message}"`);
      }
    }
  });

  it('agrees with the field: a derived name passes exactly when the field would take it', () => {
    const names = ['my-bucket', 'xn--bad', 'ab', 'a'.repeat(63), 'a'.repeat(64), '10.0.0.1', '1.2.3.4.5', 'logs.mrap', 'logs.mrapx', 'sthree-x', 'a..b', 'current-user', 'postgres', '1db', 'pg-x', 'public', 'orders'];
    for (const name of names) {
      assert.equal(derivedNameProblems([BUCKET_NAME_FROM_METADATA], name, bucketSpec).length === 0, BucketName.safeParse(name).success, `bucket ${name}`);
      const db = name.replace(/[-.]/g, '_');
      assert.equal(derivedNameProblems([DATABASE_NAME_FROM_METADATA], name, databaseSpec()).length === 0, DatabaseName.safeParse(db).success, `database ${name}`);
      if (DatabaseName.safeParse(db).success) {
        assert.equal(derivedNameProblems([ROLE_NAME_FROM_DATABASE], name, databaseSpec()).length === 0, RoleName.safeParse(db).success, `role ${name}`);
      }
    }
  });

  it('derives nothing while the field is set', () => {
    assert.deepEqual(derivedNameProblems([BUCKET_NAME_FROM_METADATA], 'xn--bad', BucketSpec.parse({ providerConfigRef: { name: 'aws' }, externalName: 'fine-name' })), []);
    assert.deepEqual(derivedNameProblems(DatabaseKind.derivedNames!, 'current-user', databaseSpec({ username: 'app' })), []);
    assert.deepEqual(derivedNameProblems(DatabaseKind.derivedNames!, 'postgres-app', databaseSpec({ externalName: 'orders' })), []);
  });

  it("the login role: from spec.externalName too, and not with spec.rds (RDS's master user defaults to mooring)", () => {
    assert.match(derivedNameProblems(DatabaseKind.derivedNames!, 'app', databaseSpec({ externalName: 'current_user' }))[0] ?? '', /the login role "current_user"/);
    assert.deepEqual(derivedNameProblems(DatabaseKind.derivedNames!, 'current-user', databaseSpec({ rds: {} })), []);
  });
});

describe('derived names in the CRD', () => {
  it('Bucket and Database carry them as rules at the root, one per rule of the field', () => {
    for (const [kind, derived] of [[BucketKind, [BUCKET_NAME_FROM_METADATA]], [DatabaseKind, [DATABASE_NAME_FROM_METADATA, ROLE_NAME_FROM_DATABASE]]] as const) {
      const root = crdFor(kind).spec.versions[0]!.schema.openAPIV3Schema;
      assert.deepEqual(root['x-kubernetes-validations'], derived.flatMap(derivedNameRules));
      assert.equal(root['x-kubernetes-validations'].length, derived.reduce((n, d) => n + d.rules.length, 0));
    }
    for (const kind of KINDS.filter((k) => !k.derivedNames)) assert.equal(crdFor(kind).spec.versions[0]!.schema.openAPIV3Schema['x-kubernetes-validations'], undefined, kind.kind);
  });

  it('checks when the name is made up or changes, and only while the field is unset', () => {
    const [rule] = derivedNameRules(BUCKET_NAME_FROM_METADATA).filter((r) => r.message.includes('xn--'));
    assert.deepEqual(rule, {
      message: 'the bucket name (metadata.name, while spec.externalName is unset) must not start with xn-- (S3 bucket naming rules: reserved prefix)',
      optionalOldSelf: true,
      rule:
        "(oldSelf.hasValue() && (has(oldSelf.value().spec.externalName)) == (has(self.spec.externalName))) " +
        "|| has(self.spec.externalName) || (!self.metadata.name.startsWith('xn--'))",
    });
  });

  it('reads the database name as the reconciler makes it: - and . as _; the role from it, or from spec.externalName', () => {
    const [rule] = derivedNameRules(DATABASE_NAME_FROM_METADATA).filter((r) => r.message.includes('template0'));
    assert.ok(rule!.rule.endsWith(" || has(self.spec.externalName) || (!((self.metadata.name.replace('-', '_').replace('.', '_')) in ['postgres', 'template0', 'template1']))"), rule!.rule);
    const [role] = derivedNameRules(ROLE_NAME_FROM_DATABASE);
    assert.ok(
      role!.rule.endsWith(" || has(self.spec.username) || has(self.spec.rds) || (!((has(self.spec.externalName) ? self.spec.externalName : self.metadata.name.replace('-', '_').replace('.', '_')) in ['public', 'none', 'current_user', 'current_role', 'session_user']))"),
      role!.rule,
    );
  });
});
