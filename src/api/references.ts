// References between resources: a spec field whose value comes from elsewhere (`<field>From`), and
// the status fields of mooring objects that may be referred to. A reference names an object of the
// referring object's own namespace only: it has no namespace field, by design (docs/references.md).
import * as z from 'zod';
import { DNS_SUBDOMAIN, withRules } from './common.ts';

/** Where each referable status value is read, per kind: `status.atProvider` in, a string out. */
type Reader = (atProvider: Record<string, unknown>) => string | undefined;
const text = (key: string): Reader => (a) => (typeof a[key] === 'string' && a[key] !== '' ? a[key] : typeof a[key] === 'number' ? String(a[key]) : undefined);

export const REFERABLE_FIELDS = {
  Database: {
    address: { read: text('host'), what: 'the host clients connect to (an RDS endpoint address)' },
    port: { read: text('port'), what: 'the port clients connect to' },
    endpoint: {
      read: (a: Record<string, unknown>) => (text('host')(a) && text('port')(a) ? `${text('host')(a)}:${text('port')(a)}` : undefined),
      what: 'host:port',
    },
    arn: { read: text('arn'), what: 'aws: the DB instance ARN' },
    database: { read: text('database'), what: 'the database name' },
  },
  Bucket: {
    name: { read: text('name'), what: 'the bucket name in the cloud' },
    region: { read: text('region'), what: 'the region it lives in' },
    arn: { read: text('arn'), what: 'the bucket ARN' },
    regionalDomainName: {
      // AWS's documented form (bucket_regional_domain_name); derived, not read from an endpoint.
      read: (a: Record<string, unknown>) => (text('name')(a) && text('region')(a) ? `${text('name')(a)}.s3.${text('region')(a)}.amazonaws.com` : undefined),
      what: '<name>.s3.<region>.amazonaws.com',
    },
  },
  DNSRecord: {
    fqdn: { read: text('fqdn'), what: 'the fully qualified record name' },
  },
} as const satisfies Record<string, Record<string, { read: Reader; what: string }>>;

export type ReferableKind = keyof typeof REFERABLE_FIELDS;
export const REFERABLE_KINDS = Object.keys(REFERABLE_FIELDS) as [ReferableKind, ...ReferableKind[]];
const ALL_FIELDS = [...new Set(Object.values(REFERABLE_FIELDS).flatMap((f) => Object.keys(f)))] as [string, ...string[]];

/** The value of `field` in a referable object's status.atProvider; undefined until it is known. */
export function referableValue(kind: ReferableKind, field: string, atProvider: Record<string, unknown> | undefined): string | undefined {
  const fields: Record<string, { read: Reader }> = REFERABLE_FIELDS[kind];
  return atProvider ? fields[field]?.read(atProvider) : undefined;
}

const ObjectName = z.string().min(1).max(253).regex(DNS_SUBDOMAIN, { message: 'must be a Kubernetes object name (lowercase letters, digits, dots, hyphens)' });
const DataKey = z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a ConfigMap or Secret key (letters, digits, -, _ and .)' });

const kindFields = (kind: ReferableKind) => Object.keys(REFERABLE_FIELDS[kind]);

export const ResourceFieldRef = withRules(
  z.object({
    kind: z.enum(REFERABLE_KINDS).describe('The kind of the mooring object, in this namespace.'),
    name: ObjectName.describe('Its metadata.name, in this namespace.'),
    field: z.enum(ALL_FIELDS).describe(
      `The status field: ${REFERABLE_KINDS.map((k) => `${k}: ${kindFields(k).join(', ')}`).join('; ')}.`,
    ),
  }),
  REFERABLE_KINDS.map((kind) => ({
    rule: `self.kind != '${kind}' || self.field in [${kindFields(kind).map((f) => `'${f}'`).join(', ')}]`,
    message: `a ${kind} offers the fields ${kindFields(kind).join(', ')}`,
    fieldPath: '.field',
    holds: (r: { kind: string; field: string }) => r.kind !== kind || kindFields(kind).includes(r.field),
  })),
).describe('A status field of another mooring object of this namespace, once it is known.');
export type ResourceFieldRef = z.output<typeof ResourceFieldRef>;

const keyRef = (what: string, more = '') =>
  z.object({ name: ObjectName.describe(`The ${what}'s name, in this namespace.`), key: DataKey.describe('The key.') }).describe(`A key of a ${what} in this namespace.${more}`);

export const ValueFrom = withRules(
  z.object({
    resourceFieldRef: ResourceFieldRef.optional(),
    configMapKeyRef: keyRef('ConfigMap').optional(),
    secretKeyRef: keyRef('Secret', ' Read only when the Secret is labelled mooring.dev/referenceable: "true" by its owner (never a mooring connection Secret); otherwise refused with ReferenceNotPermitted.').optional(),
  }),
  [
    {
      rule: '(has(self.resourceFieldRef) ? 1 : 0) + (has(self.configMapKeyRef) ? 1 : 0) + (has(self.secretKeyRef) ? 1 : 0) == 1',
      message: 'give exactly one of resourceFieldRef, configMapKeyRef or secretKeyRef',
      holds: (v) => [v.resourceFieldRef, v.configMapKeyRef, v.secretKeyRef].filter((x) => x !== undefined).length === 1,
    },
  ],
).describe('Where a value comes from: a status field of another mooring object, a ConfigMap key or a Secret key, all in this namespace.');
export type ValueFrom = z.output<typeof ValueFrom>;

/**
 * CEL and zod: exactly one of a literal field and its `<field>From`, on the object holding both.
 * `required` false: neither is fine too.
 */
export function oneOfValueOrFrom<T extends Record<string, unknown>>(field: string, required: boolean) {
  const from = `${field}From`;
  return {
    rule: required ? `has(self.${field}) != has(self.${from})` : `!(has(self.${field}) && has(self.${from}))`,
    message: required ? `give exactly one of ${field} or ${from}` : `give at most one of ${field} or ${from}`,
    fieldPath: `.${field}`,
    holds: (s: T) => (required ? (s[field] === undefined) !== (s[from] === undefined) : s[field] === undefined || s[from] === undefined),
  };
}
