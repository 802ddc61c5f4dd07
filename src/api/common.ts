// Fields every managed kind shares. The zod schemas here are the single source: TypeScript types
// come from z.input / z.output, and the CRD YAML in crds/ is generated from them.
import { z } from 'zod';

export const GROUP = 'mooring.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** CEL: the field may be set once and never changed afterwards. */
export const immutable = (field: string) => ({
  rule: 'self == oldSelf',
  message: `${field} is immutable`,
});

export const ProviderConfigRef = z
  .object({ name: z.string().min(1).max(253).describe('Name of the cluster-scoped ProviderConfig to use.') })
  .describe('Which ProviderConfig reaches the cloud for this resource.');

export const DeletionPolicy = z
  .enum(['Delete', 'Retain'])
  .default('Delete')
  .describe('Delete removes the external resource with this object; Retain leaves it (and our ownership mark) in place.');

export const ManagementPolicy = z
  .enum(['Full', 'ObserveOnly'])
  .default('Full')
  .describe('Full creates, updates and deletes; ObserveOnly only reads and reports, never writes to the cloud.');

/** The spec fields shared by every managed kind, spread into each kind's spec object. */
export const managedSpecFields = {
  providerConfigRef: ProviderConfigRef,
  deletionPolicy: DeletionPolicy,
  managementPolicy: ManagementPolicy,
  adopt: z
    .boolean()
    .default(false)
    .describe(
      'Take over an existing external resource of this name that carries no ownership mark. Without it, such a resource is never touched.',
    ),
};

export const ConditionType = z.enum(['Ready', 'Progressing', 'Degraded']);
export type ConditionType = z.infer<typeof ConditionType>;

export const Condition = z.object({
  type: z.string().describe('Ready, Progressing or Degraded.'),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().describe('A reason code, documented in docs/reasons.md.'),
  message: z.string().default('').describe('A human-readable account of the condition.'),
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: z.string().describe('RFC 3339 time of the last status change.'),
});
export type Condition = z.infer<typeof Condition>;

/** Status fields shared by every managed kind; each kind adds its own `atProvider`. */
export const managedStatusFields = {
  conditions: z.array(Condition).optional(),
  observedGeneration: z.number().int().optional(),
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
