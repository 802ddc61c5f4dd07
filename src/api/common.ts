// Fields every managed kind shares. The zod schemas here are the single source: TypeScript types
// come from z.input / z.output, and the CRD YAML in crds/ is generated from them (src/generate/crds.ts).
import * as z from 'zod';

export const GROUP = 'mooring.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** An RFC 1123 label: what Kubernetes allows for namespace names, and our provider type names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** An RFC 1123 subdomain: what Kubernetes allows for most object names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** One entry of `x-kubernetes-validations`, as the apiserver reads it. */
export interface CelRule {
  /** A CEL expression over `self` (and `oldSelf` for a transition rule) that must be true. */
  rule: string;
  message: string;
  /** Where the apiserver reports a failure, relative to the node carrying the rule (`.secretRef`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** A transition rule also checked at create, with `oldSelf` an optional (none at create). */
  optionalOldSelf?: boolean;
}

/**
 * A rule written once and checked twice: by zod (`holds`) when the reconciler parses a spec, and by
 * the apiserver (`rule`, CEL) when a user applies one. Transition rules (those reading `oldSelf`)
 * have no `holds`: zod sees one version of an object, never the change.
 */
export interface Rule<T> extends CelRule {
  holds?: (self: T) => boolean;
}

/** CEL: the field may be set once and never changed afterwards. */
export const immutable = (field: string): CelRule => ({
  rule: 'self == oldSelf',
  message: `${field} is immutable`,
});

/**
 * CEL, on the object holding an optional immutable field: it can be neither added nor removed
 * after creation. (`self == oldSelf` on the field itself runs only when both versions have it.)
 */
export const presenceFixed = (field: string, why: string): CelRule & { fieldPath: string; reason: string } => ({
  rule: `has(self.${field}) == has(oldSelf.${field})`,
  message: `${field} is immutable: it can be neither added nor removed after creation (${why})`,
  fieldPath: `.${field}`,
  reason: 'FieldValueForbidden',
});

const RULES = 'x-kubernetes-validations';

// zod wrappers (optional, default …) carry their own metadata, and a wrapper's rules replace the
// inner schema's in the JSON Schema; so the rules already on the inner schema are gathered too.
function rulesOf(schema: z.ZodType): CelRule[] {
  const own = schema.meta()?.[RULES] as CelRule[] | undefined;
  if (own) return own;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    return rulesOf(schema.unwrap() as z.ZodType);
  }
  return [];
}

/** `.secretRef.name` → ['secretRef', 'name'], so zod names the same field the apiserver does. */
const issuePath = (fieldPath: string | undefined): string[] => (fieldPath ? fieldPath.split('.').filter(Boolean) : []);

/**
 * Attaches rules to a schema: zod refinements for those with `holds`, and all of them as CEL in
 * the generated CRD. Attach to the inner schema before `.optional()` where possible.
 */
export function withRules<S extends z.ZodType>(schema: S, rules: Rule<NonNullable<z.output<S>>>[]): S {
  const checked = schema.superRefine((value, ctx) => {
    if (value === undefined || value === null) return;
    for (const r of rules) {
      if (r.holds && !r.holds(value)) ctx.addIssue({ code: 'custom', message: r.message, path: issuePath(r.fieldPath), input: value });
    }
  });
  const cel = rules.map(({ rule, message, fieldPath, reason, optionalOldSelf }): CelRule => ({
    rule,
    message,
    ...(fieldPath ? { fieldPath } : {}),
    ...(reason ? { reason } : {}),
    ...(optionalOldSelf ? { optionalOldSelf } : {}),
  }));
  return checked.meta({ ...checked.meta(), [RULES]: [...rulesOf(schema), ...cel] });
}

export const ProviderConfigRef = z
  .object({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(DNS_SUBDOMAIN, { message: 'must be a Kubernetes object name (lowercase letters, digits, dots, hyphens)' })
      .describe('Name of the cluster-scoped ProviderConfig to use.'),
  })
  .describe('Which ProviderConfig reaches the cloud for this resource.');

export const DeletionPolicy = z
  .enum(['Delete', 'Retain'])
  .default('Delete')
  .describe('Delete removes the external resource with this object; Retain leaves it (and our ownership mark) in place.');

export const ManagementPolicy = z
  .enum(['Full', 'ObserveOnly', 'Plan'])
  .default('Full')
  .describe(
    'Full creates, updates and deletes; ObserveOnly only reads and reports, never writes to the cloud; Plan reads and writes into ' +
      'status.plan the calls Full would make, and makes none.',
  );

export const MANAGEMENT_ACTIONS = ['Observe', 'Create', 'Update', 'Delete'] as const;
export type ManagementAction = (typeof MANAGEMENT_ACTIONS)[number];

export const ManagementPolicies = withRules(
  z
    .array(z.enum(MANAGEMENT_ACTIONS))
    .min(1)
    .max(MANAGEMENT_ACTIONS.length)
    .refine((l) => new Set(l).size === l.length, { message: 'each action at most once' })
    .meta({ 'x-kubernetes-list-type': 'set' }),
  [{ rule: "'Observe' in self", message: 'managementPolicies must include Observe (every pass starts by reading the cloud)', holds: (l) => l.includes('Observe') }],
).describe(
  'Finer than managementPolicy Full: the cloud calls mooring may make, of Observe, Create, Update and Delete (Full is all four). Without Create a ' +
    'missing asset is reported, not made; without Update differences are reported, not corrected, and nothing unmarked is adopted; without ' +
    'Delete the asset stays when the object goes (as deletionPolicy Retain). Only with managementPolicy Full; the ProviderConfig\'s grants and ' +
    'policy apply as ever.',
);

/** Annotation: an RFC 3339 timestamp; a new value asks for an observe and reconcile now (status.lastRefresh records it). */
export const REFRESH_REQUESTED_AT = 'mooring.dev/refresh-requested-at';

/**
 * Annotation: this object's resync interval (`10m`, `1h30m`, or seconds), within the operator's
 * --min-reconcile-interval and --max-reconcile-interval; unset: --resync-period.
 */
export const RECONCILE_INTERVAL = 'mooring.dev/reconcile-interval';

export const IgnoreChanges = z
  .array(z.string().min(1).max(256).regex(/^[A-Za-z0-9_./-]+$/, { message: 'must be a dotted field path of the spec, e.g. tags.team' }))
  .max(64)
  .describe(
    'Dotted spec paths (e.g. tags.cost-center, or tags for every tag) another system owns: a difference there is neither reported as drift ' +
      'nor corrected, and a spec change there is not applied either.',
  );

export const ConnectionSecretRef = z
  .object({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(DNS_SUBDOMAIN, { message: 'must be a Secret name (lowercase letters, digits, dots, hyphens)' })
      .describe('Name of the Secret, in the namespace of this resource.'),
  })
  .describe(
    'Where the connection details (endpoint, username, password …) are written: a Secret in this namespace, owned by this resource. ' +
      'A Secret of that name that mooring did not create is never overwritten. Kinds with credentials default it (Database: <name>-connection).',
  );

/**
 * How a kind uses its connection Secret (src/reconcile/connection.ts does the work). Declared per
 * kind in src/api/kinds.ts; kinds without it write a Secret only when the spec names one.
 */
export interface ConnectionSecretPolicy {
  /** The Secret's name when `spec.writeConnectionSecretToRef` is unset; undefined writes none. */
  defaultName?: (objectName: string) => string;
  /**
   * Keys whose values the reconciler generates (a password), for this spec. They are written to
   * the Secret before the adapter is asked to set them, so a crash never loses one.
   */
  generatedKeys?: (spec: unknown) => string[];
  /**
   * Whether this spec lets an adoption set generated values on the existing thing (a password).
   * Unset or false: adopting a thing with generated keys is refused, never a silent reset.
   */
  resetOnAdopt?: (spec: unknown) => boolean;
}

/** The spec fields shared by every managed kind, spread into each kind's spec object. */
export const managedSpecFields = {
  providerConfigRef: ProviderConfigRef,
  deletionPolicy: DeletionPolicy,
  managementPolicy: ManagementPolicy,
  managementPolicies: ManagementPolicies.optional(),
  adopt: z
    .boolean()
    .default(false)
    .describe(
      'Take over an existing external resource of this name that carries no ownership mark, as it is found: one that differs from the spec is ' +
        'left untouched (reason AdoptionWouldChange, the changes in status.plan) until the spec matches it or the annotation ' +
        'mooring.dev/adopt-with-changes: "true" accepts them. Without adopt, such a resource is never touched.',
    ),
  writeConnectionSecretToRef: ConnectionSecretRef.optional(),
  ignoreChanges: IgnoreChanges.optional(),
  exportTo: z
    .object({
      name: z
        .string()
        .min(1)
        .max(253)
        .regex(DNS_SUBDOMAIN, { message: 'must be a ConfigMap name (lowercase letters, digits, dots, hyphens)' })
        .describe('Name of the ConfigMap, in the namespace of this resource.'),
    })
    .optional()
    .describe(
      'Write the non-secret status fields others may reference (a Bucket\'s name, region, arn, regionalDomainName; a Database\'s address, port, ' +
        'endpoint, arn, database; a DNSRecord\'s fqdn) into this ConfigMap, kept in step while Ready. mooring creates and owns it; a ConfigMap of ' +
        'that name it did not create is never taken over (ExportConflict). Secret values go only to the connection Secret. See docs/references.md.',
    ),
};

export const ConditionType = z.enum(['Ready', 'Progressing', 'Degraded', 'Drifted']);
export type ConditionType = z.infer<typeof ConditionType>;

// Length limits as in metav1.Condition, so a status the apiserver would refuse never parses here.
export const Condition = z.object({
  type: z.string().min(1).max(316).describe('Ready, Progressing, Degraded or Drifted.'),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1).max(1024).describe('A reason code, documented in docs/reasons.md.'),
  message: z.string().max(32768).default('').describe('A human-readable account of the condition.'),
  observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation this condition was set for.'),
  lastTransitionTime: z.iso.datetime({ offset: true }).describe('RFC 3339 time of the last status change.'),
});
export type Condition = z.infer<typeof Condition>;

/** One field a planned call would change; values are JSON, cut at 1,024 characters (src/reconcile/plan.ts). */
export const PlannedField = z.object({
  path: z.string().max(256).describe('Dotted spec path.'),
  old: z.string().max(1024).optional().describe('The live value (JSON), absent when there is none.'),
  new: z.string().max(1024).optional().describe('The value Full would set (JSON), absent when it would remove it.'),
});
export type PlannedField = z.infer<typeof PlannedField>;

/** The most fields one planned call lists; beyond it the last entry says how many more there are. */
export const MAX_PLANNED_FIELDS = 64;

/** One cloud call Full would make. */
export const PlannedCall = z.object({
  operation: z.enum(['create', 'update', 'adopt']).describe('The adapter call.'),
  fields: z
    .array(PlannedField)
    .max(MAX_PLANNED_FIELDS)
    .describe(`What it would set. Beyond ${MAX_PLANNED_FIELDS} fields, the first ${MAX_PLANNED_FIELDS - 1} and a last entry whose path says how many more are not listed.`),
});
export type PlannedCall = z.infer<typeof PlannedCall>;

/** Status fields shared by every managed kind; each kind adds its own `atProvider`. */
export const managedStatusFields = {
  // A list keyed by type: the apiserver refuses two conditions of one type, and server-side apply
  // merges conditions one by one.
  conditions: z
    .array(Condition)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .optional()
    .describe('Ready, Progressing, Degraded and Drifted, each with a reason code and a message.'),
  observedGeneration: z.number().int().min(0).optional().describe('The metadata.generation the status was last computed for.'),
  convergedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The metadata.generation last applied and seen up to date in the cloud (managementPolicy Full). A difference found at this generation is drift; one found at a later generation is the spec change still being applied, failed attempts included.'),
  lastChecked: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('When the cloud was last observed (a drift check) and found as the spec wants. Moved whenever status is written, else when over an hour old, so it is at most an hour older than the last check (a status write per check would cost a kube write per object per resync).'),
  lastRefresh: z.string().max(64).optional().describe(`The last ${REFRESH_REQUESTED_AT} annotation value handled (observed and reconciled).`),
  plan: z.array(PlannedCall).max(16).optional().describe('managementPolicy Plan: the cloud calls Full would make now, none of them made.'),
};

/** Kubernetes object metadata as far as the reconciler reads it. */
export const ObjectMeta = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    generation: z.number().int().optional(),
    resourceVersion: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ObjectMeta = z.infer<typeof ObjectMeta>;
