// The Database kind: a database and a login on an existing PostgreSQL server (provider `postgres`),
// or an RDS DB instance (provider `aws`), with the credentials in a connection Secret (issue 5).
import * as z from 'zod';
import { immutable, managedSpecFields, managedStatusFields, presenceFixed, withRules, type ConnectionSecretPolicy } from './common.ts';
import type { DerivedName, NameRule } from './derived.ts';
import { OWNERSHIP_TAG } from './bucket.ts';
import { oneOfValueOrFrom, ValueFrom } from './references.ts';

/**
 * Identifiers mooring accepts for databases and roles: lowercase letters, digits and underscores,
 * not starting with a digit, at most 63 bytes (PostgreSQL's NAMEDATALEN - 1). Nothing that needs
 * quoting to mean what it says; the adapters quote every identifier anyway.
 */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const IDENTIFIER_MESSAGE = 'must be 1-63 lowercase letters, digits and underscores, not starting with a digit';

/** Databases every PostgreSQL server has; never ours to create or drop. */
export const RESERVED_DATABASES = ['postgres', 'template0', 'template1'] as const;
/** Role names PostgreSQL reserves (public, none) or reads as another role in GRANT (the rest, unquoted). */
export const RESERVED_ROLES = ['public', 'none', 'current_user', 'current_role', 'session_user'] as const;

const notIn = (names: readonly string[], why: string): NameRule => ({
  rule: `!(self in [${names.map((n) => `'${n}'`).join(', ')}])`,
  message: `may not be one of ${names.join(', ')} (${why})`,
  holds: (s) => !names.includes(s),
});

const identifier = (what: string) => z.string().min(1).max(63).regex(PG_IDENTIFIER, { message: `${what} ${IDENTIFIER_MESSAGE}` });

/** Beyond the identifier pattern, for database names. */
export const databaseNameRules: NameRule[] = [notIn(RESERVED_DATABASES, "PostgreSQL's own databases")];

/** Beyond the identifier pattern, for role names. */
export const roleNameRules: NameRule[] = [
  notIn(RESERVED_ROLES, 'PostgreSQL reserves public and none, and reads the others as the session\'s role in GRANT and ALTER'),
  { rule: "!self.startsWith('pg_')", message: 'must not start with pg_ (PostgreSQL reserves it for its own roles)', holds: (s) => !s.startsWith('pg_') },
];

export const DatabaseName = withRules(identifier('the database name'), databaseNameRules).describe(
  'A database name: lowercase letters, digits and underscores, at most 63.',
);

export const RoleName = withRules(identifier('the role name'), roleNameRules).describe('A role name: lowercase letters, digits and underscores, at most 63; not pg_*.');

/**
 * Schemas a Database may not name: PostgreSQL's own (pg_catalog, pg_toast and every pg_* name, which
 * CREATE SCHEMA refuses anyway; information_schema), and public, which every database has and every
 * role may use: naming it would hand its ownership (and so its other users' objects) to the login.
 */
export const RESERVED_SCHEMAS = ['public', 'information_schema'] as const;
export const schemaNameRules: NameRule[] = [
  notIn(RESERVED_SCHEMAS, "every database has them: public is every role's, information_schema PostgreSQL's"),
  { rule: "!self.startsWith('pg_')", message: 'must not start with pg_ (PostgreSQL reserves it for its own schemas, pg_catalog among them)', holds: (s) => !s.startsWith('pg_') },
];
export const SchemaName = withRules(identifier('the schema name'), schemaNameRules).describe(
  'A schema name: lowercase letters, digits and underscores, at most 63; not public, information_schema or pg_*.',
);

/** Extensions a Database may enable: trusted, widely useful, shipped with PostgreSQL's contrib. */
export const ALLOWED_EXTENSIONS = ['pgcrypto', 'citext', 'uuid-ossp', 'hstore', 'pg_trgm', 'btree_gin', 'btree_gist'] as const;

const unique = <T>(items: T[]) => new Set(items).size === items.length;

export const PostgresOptions = z
  .object({
    connectionLimit: z
      .number()
      .int()
      .min(-1)
      .max(100_000)
      .default(-1)
      .describe('Most concurrent connections of the login role and of the database; -1 for no limit.'),
    extensions: z
      .array(z.enum(ALLOWED_EXTENSIONS))
      .max(ALLOWED_EXTENSIONS.length)
      .refine(unique, { message: 'each extension at most once' })
      .meta({ 'x-kubernetes-list-type': 'set' })
      .default([])
      .describe(`Extensions to enable in the database, from: ${ALLOWED_EXTENSIONS.join(', ')}. Removing one from the list leaves it installed.`),
    schemas: z
      .array(SchemaName)
      .max(20)
      .refine(unique, { message: 'each schema at most once' })
      .meta({ 'x-kubernetes-list-type': 'set' })
      .default([])
      .describe(
        'Schemas to create in the database, owned by the login role. Removing one from the list leaves it (and its tables) in place. ' +
          'A schema of that name owned by another role is refused, never taken over.',
      ),
    readOnlyRole: RoleName.optional().describe(
      "Also create this role (NOLOGIN) with read-only access to the public schema and every schema in schemas: USAGE, SELECT on their tables, and the login's default privileges, so tables it creates later are readable too; grant it to logins that should only read.",
    ),
    terminateConnectionsOnDelete: z
      .boolean()
      .default(false)
      .describe('On delete, end the sessions still connected to the database. Without it the delete waits for them (reason DatabaseInUse).'),
  })
  .describe('Settings for a database on an existing PostgreSQL server (a ProviderConfig of type postgres).');
export type PostgresOptions = z.output<typeof PostgresOptions>;

// RDS allows 50 tags; one carries the ownership mark.
const MAX_TAGS = 49;
const RdsTags = withRules(
  z
    .record(z.string().min(1).max(128), z.string().max(256))
    .refine((t) => Object.keys(t).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags (RDS allows 50; one carries the ownership mark)` })
    .meta({ maxProperties: MAX_TAGS }),
  [
    { rule: "self.all(k, !k.startsWith('aws:') && !k.startsWith('rds:'))", message: 'tag keys may not start with aws: or rds: (reserved by AWS)', holds: (t) => Object.keys(t).every((k) => !k.startsWith('aws:') && !k.startsWith('rds:')) },
    { rule: `!('${OWNERSHIP_TAG}' in self)`, message: `the tag ${OWNERSHIP_TAG} is reserved for the ownership mark`, holds: (t) => !Object.hasOwn(t, OWNERSHIP_TAG) },
  ],
).describe('Tags on the DB instance.');

/** RDS windows, UTC: hh:mm and a lowercase day of the week. */
const HH_MM = '([01][0-9]|2[0-3]):[0-5][0-9]';
const DAY = '(mon|tue|wed|thu|fri|sat|sun)';

/** RDS storage types whose IOPS rate is provisioned (and so must be given). */
const PROVISIONED_IOPS = ['io1', 'io2'];

/** Performance Insights retention RDS takes: 7 days (free), whole 31-day months from 1 to 23, or 731 (two years). */
export const validInsightsRetention = (days: number): boolean => days === 7 || days === 731 || (days >= 31 && days <= 713 && days % 31 === 0);

export const PerformanceInsights = withRules(
  z.object({
    enabled: z.boolean().describe('Turn Performance Insights on (true) or off (false); RDS applies the change at once.'),
    retentionDays: withRules(z.number().int().min(7).max(731), [
      {
        rule: 'self == 7 || self == 731 || (self >= 31 && self <= 713 && self % 31 == 0)',
        message: 'must be 7, a whole number of 31-day months from 31 to 713 (93 is 3 months), or 731: RDS refuses any other retention',
        holds: validInsightsRetention,
      },
    ])
      .optional()
      .describe("Days RDS keeps Performance Insights data: 7 (free), 31 × months (1-23), or 731; RDS's choice (7 when turned on) when unset. Only with enabled."),
    kmsKeyId: withRules(z.string().min(1).max(2048), [{ rule: 'self == oldSelf', message: "kmsKeyId cannot be changed: RDS keeps the key Performance Insights was turned on with" }])
      .optional()
      .describe(
        "The KMS key (id, ARN or alias) that encrypts Performance Insights data; the account's default aws/rds key when unset. Only with enabled; " +
          'it can be added or removed only while Performance Insights is turned on or off, and never changed.',
      ),
  }),
  [
    {
      rule: 'self.enabled || (!has(self.retentionDays) && !has(self.kmsKeyId))',
      message: 'retentionDays and kmsKeyId need enabled: true (RDS keeps neither for Performance Insights that are off)',
      reason: 'FieldValueForbidden',
      holds: (p) => p.enabled || (p.retentionDays === undefined && p.kmsKeyId === undefined),
    },
    {
      rule: 'has(self.kmsKeyId) == has(oldSelf.kmsKeyId) || !self.enabled || !oldSelf.enabled',
      message: 'kmsKeyId can be added or removed only while Performance Insights is turned on or off: RDS refuses another key for Performance Insights already on',
      fieldPath: '.kmsKeyId',
      reason: 'FieldValueForbidden',
    },
  ],
).describe(
  "Performance Insights on the instance. Unset: not managed (whatever the instance has is never a difference). When the cloud's answer carries no Performance Insights at all " +
    '(the emulator), status.atProvider.performanceInsights.reported is false: the setting is sent at create only, since no difference can be seen after.',
);
export type PerformanceInsights = z.output<typeof PerformanceInsights>;

export const RdsOptions = withRules(
  z.object({
    engine: withRules(z.enum(['postgres', 'mysql', 'mariadb']), [immutable('engine')]).default('postgres').describe('The database engine; immutable.'),
    engineVersion: z
      .string()
      .max(32)
      .regex(/^\d+(\.\d+)*$/, { message: 'must be a version such as 16.4' })
      .optional()
      .describe("The engine version; RDS's default for the engine when unset. Raising it upgrades the instance."),
    instanceClass: z
      .string()
      .max(64)
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { message: 'must be an instance class such as db.t3.micro' })
      .default('db.t3.micro')
      .describe('The DB instance class.'),
    allocatedStorageGiB: z.number().int().min(20).max(65_536).default(20).describe('Storage in GiB; it can grow, never shrink.'),
    storageType: z
      .enum(['gp2', 'gp3', 'io1', 'io2', 'standard'])
      .optional()
      .describe("The storage type; RDS's default when unset. Changing it modifies the instance (RDS keeps it available meanwhile). io1 and io2 need iops."),
    iops: z
      .number()
      .int()
      .min(1000)
      .max(256_000)
      .optional()
      .describe('Provisioned IOPS: required with storageType io1 or io2, optional with gp3 (RDS then needs at least 400 GiB), not allowed with other types.'),
    storageEncrypted: withRules(z.boolean(), [immutable('storageEncrypted')])
      .default(true)
      .describe(
        'Encrypt the storage at rest (with kmsKeyId, or the account\'s default aws/rds key). Immutable: RDS cannot encrypt or decrypt an instance after ' +
          'create (that takes a snapshot copy and a restore into a new instance).',
      ),
    kmsKeyId: withRules(z.string().min(1).max(2048), [immutable('kmsKeyId')])
      .optional()
      .describe("The KMS key (id, ARN or alias) that encrypts the storage; the account's default aws/rds key when unset. Immutable: RDS cannot change an instance's key."),
    databaseName: withRules(identifier('the initial database name'), [immutable('databaseName')])
      .optional()
      .describe('The database RDS creates in the instance; for postgres, defaults to postgres. Immutable.'),
    subnetGroupName: withRules(
      z
        .string()
        .min(1)
        .max(255)
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9._ -]*$/, { message: 'must be a DB subnet group name' }),
      [immutable('subnetGroupName')],
    )
      .optional()
      .describe("The DB subnet group (its name is its id), placing the instance in a VPC; immutable. RDS's default VPC when unset."),
    subnetGroupNameFrom: ValueFrom.optional().describe(
      'subnetGroupName from elsewhere in this namespace (a ConfigMap key the network team keeps); resolved before any cloud call. The group is still fixed at create. See docs/references.md.',
    ),
    securityGroupIds: z
      .array(z.string().max(20).regex(/^sg-[0-9a-f]{8,17}$/, { message: 'must be a security group id such as sg-0123456789abcdef0' }))
      .max(5)
      .refine(unique, { message: 'each security group at most once' })
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe('VPC security groups by id.'),
    securityGroupIdsFrom: z
      .array(ValueFrom)
      .min(1)
      .max(5)
      .optional()
      .describe('securityGroupIds from elsewhere in this namespace, one id each (ConfigMap or Secret keys); a change there is applied to the instance. See docs/references.md.'),
    backupRetentionDays: z.number().int().min(0).max(35).default(7).describe('Days automated backups are kept; 0 turns them off.'),
    backupWindow: z
      .string()
      .max(11)
      .regex(new RegExp(`^${HH_MM}-${HH_MM}$`), { message: 'must be hh:mm-hh:mm in UTC, such as 03:00-03:30' })
      .optional()
      .describe("The daily UTC window automated backups start in (hh:mm-hh:mm, at least 30 minutes, not overlapping maintenanceWindow); RDS's choice when unset."),
    maintenanceWindow: z
      .string()
      .max(19)
      .regex(new RegExp(`^${DAY}:${HH_MM}-${DAY}:${HH_MM}$`), { message: 'must be ddd:hh:mm-ddd:hh:mm in UTC, such as sun:05:00-sun:05:30' })
      .optional()
      .describe("The weekly UTC window RDS may apply maintenance in (ddd:hh:mm-ddd:hh:mm, at least 30 minutes); RDS's choice when unset."),
    multiAZ: z.boolean().default(false).describe('Keep a synchronous standby in another availability zone, failed over to automatically.'),
    parameterGroupName: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[a-zA-Z][a-zA-Z0-9.-]*$/, { message: 'must be a DB parameter group name' })
      .optional()
      .describe("The DB parameter group (it must exist, of the engine's family); the engine's default group when unset. RDS applies a new group's static parameters at the next reboot."),
    deletionProtection: z.boolean().default(false).describe('RDS refuses to delete the instance while this is on.'),
    manageMasterUserPassword: withRules(z.boolean(), [immutable('manageMasterUserPassword')])
      .default(false)
      .describe('Let RDS generate the master password and keep it in Secrets Manager; the connection Secret then holds its ARN, not the password. Immutable.'),
    publiclyAccessible: z.boolean().default(false).describe('Give the instance a public address.'),
    performanceInsights: PerformanceInsights.optional(),
    skipFinalSnapshot: z.boolean().default(false).describe('On delete, skip the final snapshot (taken by default, named <instance>-final-<uid>).'),
    tags: RdsTags.optional(),
  }),
  [
    {
      rule: `!has(self.storageType) || !(self.storageType in [${PROVISIONED_IOPS.map((t) => `'${t}'`).join(', ')}]) || has(self.iops)`,
      message: 'storageType io1 and io2 need iops (provisioned IOPS storage without a rate is refused by RDS)',
      fieldPath: '.iops',
      reason: 'FieldValueRequired',
      holds: (o) => !o.storageType || !PROVISIONED_IOPS.includes(o.storageType) || o.iops !== undefined,
    },
    {
      rule: "!has(self.iops) || (has(self.storageType) && self.storageType in ['io1', 'io2', 'gp3'])",
      message: 'iops only goes with storageType io1, io2 or gp3 (RDS refuses an IOPS rate on other storage)',
      fieldPath: '.iops',
      reason: 'FieldValueForbidden',
      holds: (o) => o.iops === undefined || ['io1', 'io2', 'gp3'].includes(o.storageType ?? ''),
    },
    {
      rule: '!has(self.kmsKeyId) || self.storageEncrypted',
      message: 'kmsKeyId needs storageEncrypted (an unencrypted instance has no key)',
      fieldPath: '.kmsKeyId',
      reason: 'FieldValueForbidden',
      holds: (o) => o.kmsKeyId === undefined || o.storageEncrypted,
    },
    presenceFixed('kmsKeyId', "RDS cannot change an instance's key; unset means the account's default aws/rds key"),
    oneOfValueOrFrom('subnetGroupName', false),
    oneOfValueOrFrom('securityGroupIds', false),
  ],
).describe('Settings for an RDS DB instance (a ProviderConfig of type aws).');
export type RdsOptions = z.output<typeof RdsOptions>;

export const DatabaseSpec = withRules(
  z.object({
    ...managedSpecFields,
    externalName: withRules(DatabaseName, [immutable('externalName')])
      .optional()
      .describe(
        'postgres: the database name. aws: the DB instance identifier, written with hyphens for underscores. Defaults to metadata.name with - and . as _. Immutable.',
      ),
    username: withRules(RoleName, [immutable('username')])
      .optional()
      .describe('postgres: the login role owning the database (default: the database name). aws: the master username (default: mooring). Immutable.'),
    postgres: PostgresOptions.optional(),
    rds: RdsOptions.optional(),
    resetPasswordOnAdopt: z
      .boolean()
      .default(false)
      .describe(
        'With spec.adopt: adopting an existing login (postgres) or instance (aws) sets a new password on it, which the connection Secret then holds. ' +
          'Without it, adopting one is refused (AdoptionNeedsPasswordReset): mooring never resets a password nobody asked it to.',
      ),
  }),
  [
    {
      rule: '!(has(self.postgres) && has(self.rds))',
      message: 'postgres and rds are exclusive: set the one matching the type of the ProviderConfig',
      holds: (s) => !(s.postgres && s.rds),
    },
    { rule: '!has(oldSelf.externalName) || has(self.externalName)', message: 'externalName is immutable and cannot be removed', fieldPath: '.externalName', reason: 'FieldValueForbidden' },
    { rule: '!has(oldSelf.username) || has(self.username)', message: 'username is immutable and cannot be removed', fieldPath: '.username', reason: 'FieldValueForbidden' },
  ],
).describe('The desired database and login.');
export type DatabaseSpec = z.output<typeof DatabaseSpec>;
export type DatabaseSpecInput = z.input<typeof DatabaseSpec>;

/** metadata.name as a database name: Kubernetes names allow - and ., identifiers do not. */
export const defaultDatabaseName = (objectName: string): string => objectName.replace(/[-.]/g, '_');
const DEFAULT_DATABASE_NAME_CEL = "self.metadata.name.replace('-', '_').replace('.', '_')";

/** The database name while spec.externalName is unset, under the field's rules and what its pattern says. */
export const DATABASE_NAME_FROM_METADATA: DerivedName = {
  field: 'externalName',
  what: 'the database name',
  from: 'metadata.name with - and . as _',
  derive: (name, spec) => (spec.externalName === undefined ? defaultDatabaseName(name) : undefined),
  cel: { name: DEFAULT_DATABASE_NAME_CEL, unless: 'has(self.spec.externalName)', inputs: ['has(self.spec.externalName)'] },
  rules: [
    { rule: 'size(self) <= 63', message: 'must be at most 63 characters (PostgreSQL identifiers: NAMEDATALEN - 1 bytes)', holds: (s) => Buffer.byteLength(s) <= 63 },
    {
      rule: `self.matches('${PG_IDENTIFIER.source.replace('{0,62}', '*')}')`,
      message: 'must be lowercase letters, digits and underscores, not starting with a digit (PostgreSQL identifiers written without quotes)',
      holds: (s) => /^[a-z_][a-z0-9_]*$/.test(s),
    },
    ...databaseNameRules,
  ],
};

/**
 * The login role while spec.username is unset: the postgres provider makes it the database name.
 * The schema cannot tell which provider serves a Database without spec.rds, so the rule holds
 * unless spec.rds says RDS (whose master username defaults to mooring).
 */
export const ROLE_NAME_FROM_DATABASE: DerivedName = {
  field: 'username',
  what: 'the login role',
  from: 'the database name, unless spec.rds is set',
  derive: (name, spec) => (spec.username === undefined && spec.rds === undefined ? ((spec.externalName as string | undefined) ?? defaultDatabaseName(name)) : undefined),
  cel: {
    name: `has(self.spec.externalName) ? self.spec.externalName : ${DEFAULT_DATABASE_NAME_CEL}`,
    unless: 'has(self.spec.username) || has(self.spec.rds)',
    inputs: ['has(self.spec.username)', 'has(self.spec.rds)', "has(self.spec.externalName) ? self.spec.externalName : ''"],
  },
  rules: roleNameRules,
};

/** The connection Secret: `<name>-connection`, with a generated password unless RDS manages it. */
export const DATABASE_CONNECTION_SECRET: ConnectionSecretPolicy = {
  defaultName: (name) => `${name}-connection`,
  generatedKeys: (spec) => ((spec as DatabaseSpec).rds?.manageMasterUserPassword ? [] : ['password']),
  resetOnAdopt: (spec) => (spec as DatabaseSpec).resetPasswordOnAdopt,
};

export const DatabaseAtProvider = z
  .object({
    host: z.string().optional().describe('The host clients connect to.'),
    port: z.number().int().optional().describe('The port clients connect to.'),
    database: z.string().optional().describe('The database name.'),
    username: z.string().optional().describe('The login role or master username.'),
    arn: z.string().optional().describe('aws: the DB instance ARN.'),
    status: z.string().optional().describe("aws: the instance's RDS status (creating, available, modifying …)."),
    engineVersion: z.string().optional().describe('aws: the running engine version.'),
    storageEncrypted: z.boolean().optional().describe('aws: whether the storage is encrypted (fixed at create: an instance adopted or made before spec.rds.storageEncrypted existed may differ from the spec).'),
    finalSnapshot: z.string().optional().describe('aws: the final snapshot taken on delete.'),
    performanceInsights: z
      .object({
        reported: z.boolean().describe("false when the cloud's answer carries no Performance Insights at all (the emulator): mooring then cannot tell whether the setting applied, and compares nothing."),
        enabled: z.boolean().optional().describe('Performance Insights is on.'),
        retentionDays: z.number().int().optional().describe('Days its data is kept.'),
        kmsKeyId: z.string().optional().describe('The KMS key encrypting its data.'),
      })
      .optional()
      .describe('aws: Performance Insights as RDS reports it; shown when RDS reports it, and when spec.rds.performanceInsights is set.'),
    deletion: z.string().optional().describe('Progress of a delete.'),
  })
  .loose()
  .describe('What the server or the cloud reports about the database.');
export type DatabaseAtProvider = z.infer<typeof DatabaseAtProvider>;

export const DatabaseStatus = z
  .object({ ...managedStatusFields, atProvider: DatabaseAtProvider.optional() })
  .describe('The observed state of the database.');
export type DatabaseStatus = z.infer<typeof DatabaseStatus>;
